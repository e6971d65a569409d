/** What `npm run bench` measures, in full and `--quick` form. */
import type { RunSpec } from './run-once.js';

export type ScenarioId = 'burst' | 'interval' | 'fanout-10k' | 'slow-consumer';

/** One measured configuration; each server runs it `repetitions` times. */
export type Case = Omit<RunSpec, 'server'> & { scenario: ScenarioId; key: string };

export interface Plan {
  mode: 'quick' | 'full';
  repetitions: number;
  burst: number;
  cases: Case[];
}

const SIZES = [64, 256, 2048];

/** Key of the back-to-back case a slow-consumer run is compared with. */
export function burstKey(connections: number, size: number): string {
  return `burst N=${connections} ${size} B`;
}
const SLOW_SHARE = 0.05;
/** Latency is sampled on about this many connections per run. */
const SAMPLED_CONNECTIONS = 100;

/** A run that delivers slower than this is cut off and reported incomplete. */
const SLOWEST_EVENTS_PER_SEC = 5_000;
const GRACE_MS = 20_000;

function boundFor(deliveries: number, publishingMs: number): number {
  return GRACE_MS + publishingMs + (deliveries / SLOWEST_EVENTS_PER_SEC) * 1000;
}

interface Scale {
  fanOut: number[];
  /** Deliveries per back-to-back run (events × connections). */
  deliveries: number;
  intervalEvents: number;
  largeFanOut: number;
  repetitions: number;
}

const SCALES: Record<Plan['mode'], Scale> = {
  full: { fanOut: [1000, 5000], deliveries: 250_000, intervalEvents: 50, largeFanOut: 10_000, repetitions: 3 },
  quick: { fanOut: [200, 1000], deliveries: 20_000, intervalEvents: 10, largeFanOut: 2_000, repetitions: 1 },
};

export function makePlan(mode: Plan['mode'], burst: number): Plan {
  const scale = SCALES[mode];
  const base = { paused: 0, intervalMs: 0, burst };
  const stride = (connections: number) => Math.max(1, Math.floor(connections / SAMPLED_CONNECTIONS));
  const backToBack = (connections: number, size: number) => ({
    ...base,
    connections,
    size,
    events: Math.round(scale.deliveries / connections),
    sampleStride: stride(connections),
    timeoutMs: boundFor(scale.deliveries, 0),
  });
  const cases: Case[] = [];
  for (const connections of scale.fanOut) {
    for (const size of SIZES) {
      cases.push({ ...backToBack(connections, size), scenario: 'burst', key: burstKey(connections, size) });
    }
  }
  for (const connections of scale.fanOut) {
    cases.push({
      ...base,
      scenario: 'interval',
      key: `interval N=${connections} 256 B`,
      connections,
      size: 256,
      events: scale.intervalEvents,
      intervalMs: 100,
      sampleStride: stride(connections),
      timeoutMs: boundFor(scale.intervalEvents * connections, scale.intervalEvents * 100),
    });
  }
  cases.push({
    ...base,
    scenario: 'fanout-10k',
    key: `fanout N=${scale.largeFanOut} 256 B`,
    connections: scale.largeFanOut,
    size: 256,
    events: 5,
    intervalMs: 250,
    sampleStride: 1,
    timeoutMs: boundFor(5 * scale.largeFanOut, 5 * 250),
  });
  const slowFanOut = scale.fanOut[0]!;
  cases.push({
    ...backToBack(slowFanOut, 256),
    scenario: 'slow-consumer',
    key: `slow-consumer N=${slowFanOut} 256 B`,
    paused: Math.round(slowFanOut * SLOW_SHARE),
  });
  return { mode, repetitions: scale.repetitions, burst, cases };
}
