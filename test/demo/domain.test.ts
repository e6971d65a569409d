import { describe, expect, it, vi } from 'vitest';
import { ChatRooms } from '../../demo/chat.js';
import { LogSource } from '../../demo/logs.js';
import { MetricsSampler } from '../../demo/metrics.js';
import { NotificationStore } from '../../demo/notifications.js';
import { PriceSimulator } from '../../demo/prices.js';
import type { TaskProgress } from '../../generated/types.js';
import { TaskRunner } from '../../demo/tasks.js';
import { SharedTicker } from '../../demo/ticker.js';

describe('PriceSimulator', () => {
  it('opens every symbol at a stable price and moves it only as time passes', () => {
    let now = 1_000_000;
    const simulator = new PriceSimulator({ now: () => now, random: () => 0.3 });
    const first = simulator.quote('AAPL');
    expect(first).toEqual({ symbol: 'AAPL', price: first.price, change: 0, timestamp: 1_000_000 });
    expect(simulator.quote('AAPL').price).toBe(first.price);
    now += 60_000;
    const later = simulator.quote('AAPL');
    expect(later.price).not.toBe(first.price);
    expect(later.change).toBeCloseTo(later.price - first.price, 2);
    expect(new PriceSimulator().quote('AAPL').price).toBe(first.price);
  });
});

describe('PriceSimulator memory', () => {
  it('tracks at most 1000 symbols, reopening the least recently quoted one', () => {
    let now = 0;
    const simulator = new PriceSimulator({ now: () => now, random: () => 0.3 });
    simulator.quote('AAPL');
    now = 60_000;
    expect(simulator.quote('AAPL').change).not.toBe(0);
    for (let i = 0; i < 1000; i++) simulator.quote(`S${i}`);
    expect(simulator.quote('AAPL')).toMatchObject({ price: 189.5, change: 0 });
  });
});

describe('TaskRunner', () => {
  it('reports rising progress and ends completed at 1', async () => {
    const runner = new TaskRunner({ durationMs: 40, steps: 4 });
    const { taskId } = runner.start()!;
    const seen: TaskProgress[] = [];
    await new Promise<void>((resolve) => {
      runner.watch(taskId, (state) => {
        seen.push(state);
        if (state.status !== 'running') resolve();
      });
    });
    expect(seen.map((state) => state.progress)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(seen.at(-1)?.status).toBe('completed');
    expect(runner.get(taskId)?.status).toBe('completed');
    runner.close();
  });

  it('ends failed when the task is drawn to fail', async () => {
    const runner = new TaskRunner({ durationMs: 20, steps: 2, failureRate: 1, random: () => 0 });
    const { taskId } = runner.start()!;
    const last = await new Promise<TaskProgress>((resolve) => runner.watch(taskId, resolve));
    expect(last).toMatchObject({ taskId, status: 'failed', progress: 0 });
    runner.close();
  });

  it('holds at most maxTasks, forgetting the oldest finished task to make room', async () => {
    const runner = new TaskRunner({ durationMs: 20, steps: 1, maxTasks: 2 });
    const first = runner.start()!;
    runner.start();
    expect(runner.start()).toBeNull();
    await new Promise<TaskProgress>((resolve) => runner.watch(first.taskId, resolve));
    expect(runner.start()).not.toBeNull();
    expect(runner.get(first.taskId)).toBeUndefined();
    runner.close();
  });

  it('knows nothing of an id it never issued', () => {
    expect(new TaskRunner().get('nope')).toBeUndefined();
  });
});

describe('ChatRooms', () => {
  it('counts a user joined from the first connection until the last one closes', () => {
    const rooms = new ChatRooms();
    expect(rooms.enter('general', 'u1')).toBe(true);
    expect(rooms.enter('general', 'u1')).toBe(false);
    expect(rooms.enter('general', 'u2')).toBe(true);
    expect(rooms.members('general')).toEqual(['u1', 'u2']);
    expect(rooms.exit('general', 'u1')).toBe(false);
    expect(rooms.exit('general', 'u1')).toBe(true);
    expect(rooms.exit('general', 'u1')).toBe(false);
    expect(rooms.members('general')).toEqual(['u2']);
  });
});

describe('NotificationStore', () => {
  it('keeps each user\'s latest notifications apart', () => {
    const store = new NotificationStore(2, 10);
    for (const title of ['a', 'b', 'c']) store.create({ userId: 'u1', type: 'info', title, body: '' });
    store.create({ userId: 'u2', type: 'info', title: 'x', body: '' });
    expect(store.unread('u1').map((n) => n.title)).toEqual(['b', 'c']);
    expect(store.unread('u2').map((n) => n.title)).toEqual(['x']);
    expect(store.unread('u3')).toEqual([]);
  });

  it('forgets the user it heard of first beyond maxUsers', () => {
    const store = new NotificationStore(10, 2);
    for (const userId of ['u1', 'u2', 'u1', 'u3']) store.create({ userId, type: 'info', title: userId, body: '' });
    expect(store.unread('u1')).toEqual([]);
    expect(store.unread('u2')).toHaveLength(1);
    expect(store.unread('u3')).toHaveLength(1);
  });
});

describe('LogSource', () => {
  it('returns the latest matching entries, oldest first, and follows new ones', () => {
    const source = new LogSource(5);
    source.write('error', 'api', 'dropped by capacity');
    for (let i = 1; i <= 5; i++) source.write(i % 2 ? 'warn' : 'debug', i < 3 ? 'api' : 'db', `line ${i}`);
    expect(source.recent({}, 50).map((e) => e.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(source.recent({ level: 'warn' }, 2).map((e) => e.message)).toEqual(['line 3', 'line 5']);
    expect(source.recent({ level: 'error' }, 50)).toEqual([]);
    expect(source.recent({ service: 'api', level: 'debug' }, 50).map((e) => e.message)).toEqual(['line 1', 'line 2']);
    const followed: string[] = [];
    const stop = source.follow((entry) => followed.push(entry.message));
    source.write('info', 'api', 'live');
    stop();
    source.write('info', 'api', 'after stop');
    expect(followed).toEqual(['live']);
  });
});

describe('MetricsSampler', () => {
  it('turns cumulative totals into per-second rates from the second sample on', async () => {
    let now = 0;
    const totals = { events: 10, bytes: 1000 };
    const sampler = new MetricsSampler(async () => totals, () => now);
    expect(await sampler.sample({})).toBeNull();
    now = 2000;
    totals.events = 30;
    totals.bytes = 5000;
    const sample = await sampler.sample({ streamPrices: 2 });
    expect(sample).toMatchObject({ connections: { streamPrices: 2 }, eventsPerSecond: 10, bytesPerSecond: 2000 });
    expect(sample!.rssBytes).toBeGreaterThan(0);
    expect(sample!.eventLoopDelayMs.mean).toBeGreaterThanOrEqual(0);
    now = 3000;
    expect(await sampler.sample({})).toMatchObject({ eventsPerSecond: 0, bytesPerSecond: 0 });
    now = 10_000;
    expect(await sampler.sample({})).toBeNull();
    sampler.close();
  });
});

describe('SharedTicker', () => {
  it('runs one timer while anyone holds it and stops when the last holder lets go', async () => {
    const ticks: string[] = [];
    const ticker = new SharedTicker<string>(5, (target) => ticks.push(target));
    let releaseFirst!: () => void;
    let releaseSecond!: () => void;
    const first = ticker.holdUntil('a', new Promise<void>((resolve) => (releaseFirst = resolve)));
    const second = ticker.holdUntil('b', new Promise<void>((resolve) => (releaseSecond = resolve)));
    await vi.waitFor(() => expect(ticks.length).toBeGreaterThanOrEqual(2));
    expect(new Set(ticks)).toEqual(new Set(['a']));
    releaseFirst();
    await first;
    const afterFirst = ticks.length;
    await vi.waitFor(() => expect(ticks.length).toBeGreaterThan(afterFirst));
    releaseSecond();
    await second;
    const afterBoth = ticks.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ticks).toHaveLength(afterBoth);
  });
});
