/**
 * The `scale` scenario: one asyncapi-sse process holding a very large number of streams (100,000
 * by default), opened by several load-client processes, each from its own 127.0.0.x source
 * address so that no address runs out of ephemeral ports. It reports the time to open them all,
 * heap and RSS per connection, CPU and event-loop delay while idle (heartbeats only), and, for a
 * few broadcasts a second apart, publish-to-delivery latency on every stream and an exact count.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { now } from './clock.js';
import { BenchProcess } from './process.js';
import type { ClientCommand, ClientReport, LoopDelay, MemorySample, ServerCommand, ServerReport } from './protocol.js';

export interface ScaleSpec {
  connections: number;
  /** Broadcasts, `intervalMs` apart, each to every stream. */
  events: number;
  intervalMs: number;
  size: number;
  /** How long the server is watched with nothing to publish. */
  idleMs: number;
  heartbeatMs: number;
}

export const DEFAULT_SCALE: ScaleSpec = { connections: 100_000, events: 5, intervalMs: 1_000, size: 256, idleMs: 32_000, heartbeatMs: 15_000 };

export interface ScaleResult extends ScaleSpec {
  ok: boolean;
  error?: string;
  clients: number;
  connectMs: number;
  heapPerConnection: number;
  rssPerConnection: number;
  heapAfter: number;
  rssAfter: number;
  idle: { cpuMsPerSec: number; beatsPerStream: number; loopDelayMs: LoopDelay };
  /** Events counted in all; `expected` is connections × events. */
  deliveries: number;
  expected: number;
  /** Streams whose count is not exactly `events` a second after the last one was due. */
  mismatched: number;
  /** Publish to receive, over every delivery; `max` is the last delivery of the slowest broadcast. */
  latencyMs: { p50: number; p99: number; max: number };
  publishCpuUsPerDelivery: number;
}

/** Streams per load-client process; each source address has about 28,000 ephemeral ports by default. */
const PER_CLIENT = 15_000;
const MIN_CLIENTS = 4;
/** Connecting streams per client: together below the listen backlog (511), so no SYN is dropped and retried a second later. */
const CONCURRENCY_PER_CLIENT = 100;
const SPARE_FILES = 256;
/** What the server may use for its heap: about 6 KB per stream, with room to spare. */
const SERVER_NODE_ARGS = ['--max-old-space-size=8192'];
const START_MS = 20_000;
const REPORT_MS = 60_000;
const SETTLE_MS = 2_000;
/** Opening streams slower than this per second is a failure, not a measurement. */
const SLOWEST_CONNECTS_PER_SEC = 500;

type Server = BenchProcess<ServerCommand, ServerReport>;
type Client = BenchProcess<ClientCommand, ClientReport>;

export async function runScale(spec: ScaleSpec, progress: (line: string) => void): Promise<ScaleResult> {
  const count = Math.max(MIN_CLIENTS, Math.ceil(spec.connections / PER_CLIENT));
  const shares = Array.from({ length: count }, (_, index) => Math.floor(spec.connections / count) + (index < spec.connections % count ? 1 : 0));
  let server: Server | undefined;
  const clients: Client[] = [];
  try {
    server = new BenchProcess<ServerCommand, ServerReport>('asyncapi-sse', './servers/asyncapi-sse.ts', {
      fileLimit: spec.connections + SPARE_FILES,
      args: ['--heartbeat-ms', String(spec.heartbeatMs)],
      nodeArgs: SERVER_NODE_ARGS,
    });
    for (const share of shares) clients.push(new BenchProcess('client', './client.ts', { fileLimit: share + SPARE_FILES }));
    const { port } = await server.next('ready', START_MS);
    const before = await memory(server);
    await Promise.all(clients.map((client) => client.next('ready', START_MS)));

    const connectStarted = now();
    clients.forEach((client, index) =>
      client.send({
        type: 'connect',
        ports: [port],
        connections: shares[index]!,
        paused: 0,
        topics: 0,
        expectEvents: spec.events,
        sampleStride: 1,
        // 127.0.0.1 is the server's; the clients start at .2.
        localAddress: `127.0.0.${index + 2}`,
        concurrency: CONCURRENCY_PER_CLIENT,
      }),
    );
    const connectBound = START_MS + (spec.connections / SLOWEST_CONNECTS_PER_SEC) * 1000;
    const connected = await Promise.all(clients.map((client) => client.next('connected', connectBound)));
    const connectMs = now() - connectStarted;
    const failed = connected.reduce((sum, report) => sum + report.failed, 0);
    if (failed > 0) throw new Error(`${failed} of ${spec.connections} streams failed to open: ${connected.find((report) => report.failure)?.failure ?? 'closed'}`);
    progress(`opened ${spec.connections.toLocaleString('en-US')} streams from ${count} client processes in ${(connectMs / 1000).toFixed(1)} s`);
    await sleep(SETTLE_MS);
    const after = await memory(server);

    const idle = await server.request({ type: 'idle', durationMs: spec.idleMs }, 'idle', spec.idleMs + REPORT_MS);
    const idleCpuMs = (idle.cpu.user + idle.cpu.system) / 1000;
    progress(`idle ${spec.idleMs / 1000} s: ${idleCpuMs.toFixed(0)} ms CPU, event loop delay p99 ${idle.loopDelayMs.p99.toFixed(1)} ms, max ${idle.loopDelayMs.max.toFixed(0)} ms`);

    for (const client of clients) client.send({ type: 'arm' });
    server.send({
      type: 'publish',
      expectConnections: spec.connections,
      topics: 0,
      count: spec.events,
      size: spec.size,
      intervalMs: spec.intervalMs,
      burst: 1,
      readers: spec.connections,
    });
    const deliveryBound = REPORT_MS + spec.events * spec.intervalMs;
    const done = await Promise.all(clients.map((client) => client.next('done', deliveryBound)));
    await server.next('published', REPORT_MS);
    const usage = await server.request({ type: 'usage' }, 'usage', REPORT_MS);
    // Anything still on its way (a duplicate, say) has arrived a second later.
    await sleep(1_000);
    const counts = await Promise.all(clients.map((client) => client.request({ type: 'count' }, 'count', REPORT_MS)));
    const deliveries = counts.reduce((sum, report) => sum + report.deliveries, 0);
    const expected = spec.connections * spec.events;
    const mismatched = counts.reduce((sum, report) => sum + report.mismatched, 0);
    const latencies = done.map((report) => report.latency);
    return {
      ...spec,
      ok: deliveries === expected && mismatched === 0,
      ...(deliveries === expected && mismatched === 0 ? {} : { error: `${deliveries} of ${expected} events counted; ${mismatched} streams off their count` }),
      clients: count,
      connectMs,
      heapPerConnection: (after.heapUsed - before.heapUsed) / spec.connections,
      rssPerConnection: (after.rss - before.rss) / spec.connections,
      heapAfter: after.heapUsed,
      rssAfter: after.rss,
      idle: {
        cpuMsPerSec: idleCpuMs / (spec.idleMs / 1000),
        beatsPerStream: Math.floor(spec.idleMs / spec.heartbeatMs),
        loopDelayMs: idle.loopDelayMs,
      },
      deliveries,
      expected,
      mismatched,
      latencyMs: {
        // Each client's median and p99 over its own streams: the worst client's stands for all.
        p50: Math.max(...latencies.map((latency) => latency.p50)),
        p99: Math.max(...latencies.map((latency) => latency.p99)),
        max: Math.max(...latencies.map((latency) => latency.max)),
      },
      publishCpuUsPerDelivery: (usage.cpu.user + usage.cpu.system) / deliveries,
    };
  } catch (error) {
    return failedScale(spec, count, error instanceof Error ? error.message : String(error));
  } finally {
    server?.kill();
    for (const client of clients) client.kill();
  }
}

async function memory(server: Server): Promise<MemorySample> {
  return server.request({ type: 'memory' }, 'memory', REPORT_MS);
}

function failedScale(spec: ScaleSpec, clients: number, error: string): ScaleResult {
  const none = Number.NaN;
  return {
    ...spec,
    ok: false,
    error,
    clients,
    connectMs: none,
    heapPerConnection: none,
    rssPerConnection: none,
    heapAfter: none,
    rssAfter: none,
    idle: { cpuMsPerSec: none, beatsPerStream: 0, loopDelayMs: { p50: none, p99: none, max: none } },
    deliveries: 0,
    expected: spec.connections * spec.events,
    mismatched: none,
    latencyMs: { p50: none, p99: none, max: none },
    publishCpuUsPerDelivery: none,
  };
}

/** The figures as a Markdown table, for stdout and the README. */
export function scaleTable(result: ScaleResult): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const rows: Array<[string, string]> = [
    ['streams open in one process', result.connections.toLocaleString('en-US')],
    ['load-client processes (one 127.0.0.x source address each)', String(result.clients)],
    ['time to open every stream', `${(result.connectMs / 1000).toFixed(1)} s`],
    ['heap per connection', kb(result.heapPerConnection)],
    ['RSS per connection', kb(result.rssPerConnection)],
    ['heap / RSS with every stream open', `${(result.heapAfter / 2 ** 20).toFixed(0)} MB / ${(result.rssAfter / 2 ** 20).toFixed(0)} MB`],
    [
      `idle CPU (heartbeat every ${result.heartbeatMs / 1000} s, each stream beats ${result.idle.beatsPerStream} times in ${result.idleMs / 1000} s)`,
      `${result.idle.cpuMsPerSec.toFixed(1)} ms per second`,
    ],
    ['event loop delay while idle, p99 / max', `${result.idle.loopDelayMs.p99.toFixed(1)} ms / ${result.idle.loopDelayMs.max.toFixed(0)} ms`],
    [`events counted (${result.events} broadcasts × every stream)`, `${result.deliveries.toLocaleString('en-US')} of ${result.expected.toLocaleString('en-US')}, ${result.mismatched} streams off their count`],
    ['publish to delivery, p50 / p99', `${result.latencyMs.p50.toFixed(0)} ms / ${result.latencyMs.p99.toFixed(0)} ms`],
    ['broadcast to last delivery (slowest of the broadcasts)', `${result.latencyMs.max.toFixed(0)} ms`],
    ['server CPU per delivered event', `${result.publishCpuUsPerDelivery.toFixed(2)} µs`],
  ];
  return ['| figure | measured |', '| --- | --- |', ...rows.map(([name, value]) => `| ${name} | ${value} |`)].join('\n');
}
