/** The demo's domain state, one set per app, with the background activity it runs. */
import type { Registry } from 'prom-client';
import { ChatRooms } from './chat.js';
import { LogSource, simulateBackgroundLogs } from './logs.js';
import { MetricsSampler, type TrafficTotals } from './metrics.js';
import { NotificationStore } from './notifications.js';
import { PriceSimulator } from './prices.js';
import { CreationQuota } from './quota.js';
import { TaskRunner, type TaskRunnerOptions } from './tasks.js';

export interface DemoOptions {
  /** Holds the runtime's metrics, the source of the admin feed's event and byte rates. */
  registry: Registry;
  tasks?: TaskRunnerOptions;
  /** Interval of the simulated background log entries; 0 turns them off. Default 1000. */
  backgroundLogMs?: number;
}

export interface Demo {
  prices: PriceSimulator;
  tasks: TaskRunner;
  notifications: NotificationStore;
  chat: ChatRooms;
  logs: LogSource;
  metrics: MetricsSampler;
  /** What each caller may create per minute. */
  quotas: DemoQuotas;
  close(): void;
}

export interface DemoQuotas {
  /** Anonymous callers share one quota (`ANONYMOUS`); a signed-in caller has its own. */
  tasks: CreationQuota;
  notifications: CreationQuota;
  chatMessages: CreationQuota;
}

/** The caller key anonymous requests share in every quota. */
export const ANONYMOUS = 'anonymous';

export function createDemo(options: DemoOptions): Demo {
  const logs = new LogSource();
  const stopLogs = options.backgroundLogMs === 0 ? () => {} : simulateBackgroundLogs(logs, options.backgroundLogMs);
  const tasks = new TaskRunner(options.tasks);
  const metrics = new MetricsSampler(() => trafficTotals(options.registry));
  return {
    prices: new PriceSimulator(),
    tasks,
    notifications: new NotificationStore(),
    chat: new ChatRooms(),
    logs,
    metrics,
    quotas: {
      tasks: new CreationQuota('tasks', 100),
      notifications: new CreationQuota('notifications', 60),
      chatMessages: new CreationQuota('chat messages', 120),
    },
    close() {
      stopLogs();
      tasks.close();
      metrics.close();
    },
  };
}

/** Sums the runtime's prom-client counters `sse_events_sent_total` and `sse_bytes_sent_total` over every operation. */
async function trafficTotals(registry: Registry): Promise<TrafficTotals> {
  const sum = async (name: string) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.reduce((total, { value }) => total + value, 0);
  };
  return { events: await sum('sse_events_sent_total'), bytes: await sum('sse_bytes_sent_total') };
}
