/**
 * One measured run: fresh server processes (one, or several sharing a fresh redis-server) and a
 * fresh load client, bounded in time, all killed at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchProcess } from './process.js';
import { connectionsOn, type Placement } from './placement.js';
import { startRedisCluster, startRedisServer, type RedisProcess } from './redis-server.js';
import type { ScenarioId } from './scenarios.js';
import type { ClientCommand, ClientReport, CpuSample, MemorySample, RedisReceived, ServerCommand, ServerReport } from './protocol.js';

export const SERVERS = ['asyncapi-sse', 'asyncapi-sse-unbatched', 'better-sse', 'naive', 'naive-batched', 'asyncapi-sse-redis', 'asyncapi-sse-cluster'] as const;
export type ServerName = (typeof SERVERS)[number];

interface ServerSetup {
  script: string;
  args: string[];
  /** Processes of the script sharing one Redis started for the run; unset: one process, no Redis. */
  redisInstances?: number;
  /** That Redis is a 3-master Redis Cluster rather than one redis-server. */
  cluster?: boolean;
}

/** The script serving each server, and its arguments. */
const SERVER_SCRIPTS: Record<ServerName, ServerSetup> = {
  'asyncapi-sse': { script: './servers/asyncapi-sse.ts', args: [] },
  // The same runtime writing at the end of every tick (coalesceMs 0), to show what batching under load adds.
  'asyncapi-sse-unbatched': { script: './servers/asyncapi-sse.ts', args: ['--coalesce-ms', '0'] },
  'better-sse': { script: './servers/better-sse.ts', args: [] },
  naive: { script: './servers/naive.ts', args: [] },
  // The lower bound: naive plus the same batching rule (2 ms / 16 KiB), i.e. what batching alone buys.
  'naive-batched': { script: './servers/naive-batched.ts', args: [] },
  // The product scaled out: three instances on one Redis, or on a 3-master Redis Cluster, the clients split between them.
  'asyncapi-sse-redis': { script: './servers/asyncapi-sse.ts', args: [], redisInstances: 3 },
  'asyncapi-sse-cluster': { script: './servers/asyncapi-sse.ts', args: [], redisInstances: 3, cluster: true },
};

/** True for the servers that need a redis-server. */
export function needsRedis(server: ServerName): boolean {
  return SERVER_SCRIPTS[server].redisInstances !== undefined;
}

/** True for the servers built from the bench spec through the generator. */
export function isAsyncapiSse(server: ServerName): boolean {
  return SERVER_SCRIPTS[server].script === SERVER_SCRIPTS['asyncapi-sse'].script;
}

export interface RunSpec {
  /** The case this run belongs to; runs of one case and server are summarised together. */
  key: string;
  scenario: ScenarioId;
  server: ServerName;
  connections: number;
  /** Connections that stop reading after their headers (slow consumers). */
  paused: number;
  /** Bytes of JSON per event. */
  size: number;
  events: number;
  /** 0: back-to-back. */
  intervalMs: number;
  burst: number;
  sampleStride: number;
  /** 0: every connection follows `GET /events`; otherwise they are spread over this many topics. */
  topics: number;
  /** The publish phase gives up after this long; connecting has its own bound. */
  timeoutMs: number;
}

export interface CpuFigures {
  userUs: number;
  systemUs: number;
  /** (user + system) / delivered events. */
  perEventUs: number;
  perEventUserUs: number;
  perEventSystemUs: number;
}

export interface RunResult extends RunSpec {
  ok: boolean;
  error?: string;
  expected: number;
  deliveries: number;
  dropped: number;
  eventsPerSec: number;
  /** Every server process, and the redis-server processes when there are any. */
  serverCpu: CpuFigures;
  /** The redis-server processes' part of `serverCpu` (zero without Redis). */
  redisCpu: CpuFigures;
  /** What Redis sent each instance over pub/sub during the run (empty without Redis). */
  fromRedis: RedisReceived[];
  clientCpu: CpuFigures;
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  memory: {
    heapBefore: number;
    heapAfter: number;
    rssBefore: number;
    rssAfter: number;
    heapPerConnection: number;
    rssPerConnection: number;
  };
  connectMs: number;
  /** Streams the server still held after publishing (fewer: it closed slow or failed ones). */
  serverConnectionsAfter: number;
  /** First publish to last delivery. */
  durationMs: number;
}

type Server = BenchProcess<ServerCommand, ServerReport>;
type Client = BenchProcess<ClientCommand, ClientReport>;

const START_MS = 20_000;
const REPORT_MS = 10_000;
/** Lets the last accepted streams finish their setup before memory is read. */
const SETTLE_MS = 200;
/** Spare descriptors per process beyond one per connection. */
const SPARE_FILES = 256;

export async function runOnce(spec: RunSpec): Promise<RunResult> {
  const fileLimit = spec.connections + SPARE_FILES;
  const { script, args, redisInstances, cluster } = SERVER_SCRIPTS[spec.server];
  let redis: RedisProcess | undefined;
  let servers: Server[] = [];
  let client: Client | undefined;
  try {
    redis = redisInstances === undefined ? undefined : await (cluster ? startRedisCluster() : startRedisServer());
    const serverArgs = redis ? [...args, ...redis.args] : args;
    const count = redisInstances ?? 1;
    const placement: Placement = { instances: count, topics: spec.topics };
    servers = Array.from({ length: count }, (_, index) => {
      const name = count === 1 ? spec.server : `${spec.server} #${index + 1}`;
      return new BenchProcess<ServerCommand, ServerReport>(name, script, { fileLimit, args: serverArgs });
    });
    client = new BenchProcess('client', './client.ts', { fileLimit });
    const ports = await Promise.all(servers.map(async (server) => (await server.next('ready', START_MS)).port));
    const before = await memory(servers);
    await client.next('ready', START_MS);
    client.send({
      type: 'connect',
      ports,
      topics: spec.topics,
      connections: spec.connections,
      paused: spec.paused,
      expectEvents: spec.events,
      sampleStride: spec.sampleStride,
    });
    const connected = await client.next('connected', START_MS + spec.connections * 5);
    if (connected.failed > 0) {
      throw new Error(`${connected.failed} of ${spec.connections} connections failed: ${connected.failure ?? 'closed'}`);
    }
    await sleep(SETTLE_MS);
    const after = await memory(servers);
    client.send({ type: 'arm' });
    // The first instance publishes; the others only deliver, so they start their CPU clock first.
    const [publisher, ...others] = servers;
    const plan = (index: number, events: number): ServerCommand => ({
      type: 'publish',
      expectConnections: connectionsOn(index, spec.connections, placement),
      count: events,
      size: spec.size,
      intervalMs: spec.intervalMs,
      burst: spec.burst,
      readers: connectionsOn(index, spec.connections - spec.paused, placement),
      topics: spec.topics,
    });
    await Promise.all(others.map((server, index) => server.request(plan(index + 1, 0), 'published', REPORT_MS)));
    const redisBefore = redis?.cpu();
    publisher!.send(plan(0, spec.events));
    const expected = (spec.connections - spec.paused) * spec.events;
    const loadClient = client;
    const done = await loadClient.next('done', spec.timeoutMs).catch(() => {
      loadClient.send({ type: 'finish' });
      return loadClient.next('done', REPORT_MS);
    });
    if (!done.complete) {
      throw new Error(`${done.deliveries} of ${expected} events delivered; ${done.dropped} reading streams closed early`);
    }
    const redisAfter = redis?.cpu();
    const published = await publisher!.next('published', REPORT_MS);
    const usages = await Promise.all(servers.map((server) => server.request({ type: 'usage' }, 'usage', REPORT_MS)));
    const redisCpu = redisBefore && redisAfter ? { user: redisAfter.user - redisBefore.user, system: redisAfter.system - redisBefore.system } : { user: 0, system: 0 };
    const serverCpu = { user: sum(usages, (usage) => usage.cpu.user) + redisCpu.user, system: sum(usages, (usage) => usage.cpu.system) + redisCpu.system };
    const durationMs = done.lastAt - published.startedAt;
    return {
      ...spec,
      ok: true,
      expected,
      deliveries: done.deliveries,
      dropped: done.dropped,
      eventsPerSec: done.deliveries / (durationMs / 1000),
      serverCpu: cpuFigures(serverCpu, done.deliveries),
      redisCpu: cpuFigures(redisCpu, done.deliveries),
      fromRedis: usages.flatMap((usage) => (usage.fromRedis ? [usage.fromRedis] : [])),
      clientCpu: cpuFigures(done.cpu, done.deliveries),
      latencyMs: done.latency,
      memory: {
        heapBefore: before.heapUsed,
        heapAfter: after.heapUsed,
        rssBefore: before.rss,
        rssAfter: after.rss,
        heapPerConnection: (after.heapUsed - before.heapUsed) / spec.connections,
        rssPerConnection: (after.rss - before.rss) / spec.connections,
      },
      connectMs: connected.connectMs,
      serverConnectionsAfter: sum(usages, (usage) => usage.connections),
      durationMs,
    };
  } catch (error) {
    return failedRun(spec, error instanceof Error ? error.message : String(error));
  } finally {
    for (const server of servers) server.kill();
    client?.kill();
    redis?.stop();
  }
}

/** Heap and RSS summed over every server process. */
async function memory(servers: Server[]): Promise<MemorySample> {
  const samples = await Promise.all(servers.map((server) => server.request({ type: 'memory' }, 'memory', REPORT_MS)));
  return { heapUsed: sum(samples, (sample) => sample.heapUsed), rss: sum(samples, (sample) => sample.rss) };
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}

function cpuFigures(cpu: CpuSample, deliveries: number): CpuFigures {
  return {
    userUs: cpu.user,
    systemUs: cpu.system,
    perEventUs: (cpu.user + cpu.system) / deliveries,
    perEventUserUs: cpu.user / deliveries,
    perEventSystemUs: cpu.system / deliveries,
  };
}

function failedRun(spec: RunSpec, error: string): RunResult {
  const none = cpuFigures({ user: Number.NaN, system: Number.NaN }, 0);
  return {
    ...spec,
    ok: false,
    error,
    expected: (spec.connections - spec.paused) * spec.events,
    deliveries: 0,
    dropped: 0,
    eventsPerSec: Number.NaN,
    serverCpu: none,
    redisCpu: none,
    fromRedis: [],
    clientCpu: none,
    latencyMs: { p50: Number.NaN, p99: Number.NaN, max: Number.NaN, samples: 0 },
    memory: {
      heapBefore: Number.NaN,
      heapAfter: Number.NaN,
      rssBefore: Number.NaN,
      rssAfter: Number.NaN,
      heapPerConnection: Number.NaN,
      rssPerConnection: Number.NaN,
    },
    connectMs: Number.NaN,
    serverConnectionsAfter: Number.NaN,
    durationMs: Number.NaN,
  };
}
