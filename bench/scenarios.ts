/** What `npm run bench` measures, in full and `--quick` form. */
import { needsRedis, type RunSpec, type ServerName } from './run-once.js';

export type ScenarioId = 'burst' | 'interval' | 'fanout' | 'slow-consumer' | 'slow-consumer-baseline' | 'redis';

/** One measured configuration; each server runs it `repetitions` times. */
export type Case = Omit<RunSpec, 'server'>;

export interface Plan {
  mode: 'quick' | 'full';
  repetitions: number;
  burst: number;
  cases: Case[];
}

const SIZES = [64, 256, 2048];
/** Latency is sampled on about this many connections per run. */
const SAMPLED_CONNECTIONS = 100;
const SLOW_SHARE = 0.05;
/**
 * Slow-consumer events are large so that each paused connection is sent more than the
 * kernel buffers of a loopback connection hold (about 4 MB): beyond that the server itself
 * has to buffer, drop or disconnect.
 */
const SLOW_SIZE = 16 * 1024;
/** A run that delivers slower than this is cut off and reported incomplete. */
const SLOWEST_EVENTS_PER_SEC = 5_000;
const GRACE_MS = 20_000;

interface Scale {
  fanOut: number[];
  /** Deliveries per back-to-back run (events × connections). */
  deliveries: number;
  intervalEvents: number;
  largeFanOut: number;
  slowFanOut: number;
  slowEvents: number;
  repetitions: number;
}

const SCALES: Record<Plan['mode'], Scale> = {
  full: {
    fanOut: [1000, 5000],
    deliveries: 120_000,
    intervalEvents: 40,
    largeFanOut: 10_000,
    slowFanOut: 100,
    slowEvents: 600,
    repetitions: 3,
  },
  quick: {
    fanOut: [1000],
    deliveries: 20_000,
    intervalEvents: 10,
    largeFanOut: 2_000,
    slowFanOut: 60,
    slowEvents: 400,
    repetitions: 1,
  },
};

/**
 * `redis` compares three instances sharing one Redis, and three on a Redis Cluster, with one
 * in-memory instance of the same runtime; every other scenario compares the single-process servers.
 */
const SCENARIO_SERVERS: Partial<Record<ScenarioId, ServerName[]>> = { redis: ['asyncapi-sse', 'asyncapi-sse-redis', 'asyncapi-sse-cluster'] };
/** The `redis` scenario's connections follow this many topics, 10 streams each at N = 1,000. */
const REDIS_TOPICS = 100;

export function servesCase(server: ServerName, scenario: ScenarioId): boolean {
  return SCENARIO_SERVERS[scenario]?.includes(server) ?? !needsRedis(server);
}

export function caseKey(scenario: ScenarioId, connections: number, size: number): string {
  return `${scenario} N=${connections} ${size} B`;
}

interface CaseShape {
  scenario: ScenarioId;
  connections: number;
  size: number;
  events: number;
  intervalMs?: number;
  paused?: number;
  sampleStride?: number;
  topics?: number;
  /** Tells apart cases of one scenario at the same N and size. */
  label?: string;
}

function makeCase(shape: CaseShape, burst: number): Case {
  const { scenario, connections, size, events, intervalMs = 0, paused = 0, topics = 0 } = shape;
  const deliveries = events * (connections - paused);
  return {
    key: shape.label ? `${caseKey(scenario, connections, size)} ${shape.label}` : caseKey(scenario, connections, size),
    scenario,
    connections,
    paused,
    size,
    events,
    intervalMs,
    burst,
    topics,
    sampleStride: shape.sampleStride ?? Math.max(1, Math.floor(connections / SAMPLED_CONNECTIONS)),
    timeoutMs: GRACE_MS + events * intervalMs + (deliveries / SLOWEST_EVENTS_PER_SEC) * 1000,
  };
}

export function makePlan(mode: Plan['mode'], burst: number): Plan {
  const scale = SCALES[mode];
  const shapes: CaseShape[] = [];
  for (const connections of scale.fanOut) {
    for (const size of SIZES) {
      shapes.push({ scenario: 'burst', connections, size, events: Math.round(scale.deliveries / connections) });
    }
  }
  for (const connections of scale.fanOut) {
    shapes.push({ scenario: 'interval', connections, size: 256, events: scale.intervalEvents, intervalMs: 100 });
  }
  shapes.push({ scenario: 'fanout', connections: scale.largeFanOut, size: 256, events: 5, intervalMs: 250, sampleStride: 1 });
  const slow = { connections: scale.slowFanOut, size: SLOW_SIZE, events: scale.slowEvents };
  shapes.push({ scenario: 'slow-consumer-baseline', ...slow });
  shapes.push({ scenario: 'slow-consumer', ...slow, paused: Math.round(scale.slowFanOut * SLOW_SHARE) });
  const [fanOut] = scale.fanOut;
  const topics = REDIS_TOPICS;
  shapes.push({ scenario: 'redis', connections: fanOut!, size: 256, topics, events: Math.round(scale.deliveries / fanOut!), label: `${topics} topics back-to-back` });
  shapes.push({ scenario: 'redis', connections: fanOut!, size: 256, topics, events: scale.intervalEvents, intervalMs: 100, label: `${topics} topics every 100 ms` });
  return { mode, repetitions: scale.repetitions, burst, cases: shapes.map((shape) => makeCase(shape, burst)) };
}
