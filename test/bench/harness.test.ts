import { describe, expect, it } from 'vitest';
import { buildResults } from '../../bench/report/results.js';
import { runOnce, type RunResult, type RunSpec, type ServerName } from '../../bench/run-once.js';
import { caseKey, type Case, type Plan } from '../../bench/scenarios.js';
import { TerminatorCounter } from '../../bench/terminators.js';

const tiny: Case = {
  scenario: 'burst',
  key: caseKey('burst', 5, 256),
  connections: 5,
  paused: 0,
  size: 256,
  events: 10,
  intervalMs: 0,
  burst: 1,
  sampleStride: 1,
  timeoutMs: 15_000,
};

function run(server: ServerName, overrides: Partial<RunSpec> = {}): Promise<RunResult> {
  return runOnce({ ...tiny, server, ...overrides });
}

describe('benchmark harness at tiny scale', () => {
  const runs: RunResult[] = [];

  it.each(['naive', 'better-sse'] as const)('%s delivers every event to every connection', async (server) => {
    const result = await run(server);
    runs.push(result);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, expected: 50, deliveries: 50, dropped: 0 });
    expect(result.latencyMs.samples).toBe(50);
    expect(result.latencyMs.p99).toBeGreaterThan(0);
    expect(result.serverCpu.perEventUs).toBeGreaterThan(0);
    expect(result.clientCpu.perEventUs).toBeGreaterThan(0);
    expect(Number.isFinite(result.memory.heapPerConnection)).toBe(true);
  });

  it('counts only the reading connections when some clients are paused', async () => {
    const result = await run('naive', { scenario: 'slow-consumer', connections: 20, paused: 2 });
    expect(result).toMatchObject({ ok: true, expected: 180, deliveries: 180 });
  });

  it('publishes on an interval and measures every delivery', async () => {
    const result = await run('naive', { scenario: 'interval', events: 3, intervalMs: 50 });
    expect(result).toMatchObject({ ok: true, deliveries: 15 });
    expect(result.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('writes medians, ratios and goals into the results document', () => {
    const plan: Plan = { mode: 'quick', repetitions: 1, burst: 1, cases: [tiny] };
    const results = JSON.parse(JSON.stringify(buildResults(plan, ['better-sse', 'naive'], runs, [], 1)));
    expect(results).toMatchObject({ mode: 'quick', node: process.version, settings: { burst: 1 } });
    expect(results.cpus).toBeGreaterThan(0);
    expect(results.runs).toHaveLength(2);
    const betterSse = results.medians.find((row: { server: string }) => row.server === 'better-sse');
    expect(betterSse.vsNaive.serverCpuPerEventUs).toBeCloseTo(
      runs[1]!.serverCpu.perEventUs / runs[0]!.serverCpu.perEventUs,
    );
    expect(results.goals.map((goal: { pass: unknown }) => goal.pass)).toEqual([null, null, null]);
  });
});

describe('event counting', () => {
  it('finds every event however the stream is split into chunks', () => {
    const frame = 'event: tick\nid: 7\ndata: {"t":1,"seq":0,"pad":"xx"}\n\n: heartbeat\n\nretry: 2000\n\n';
    const stream = Buffer.from(`${frame}\r\n4a\r\n${frame}${frame}`);
    for (let first = 1; first < stream.length; first++) {
      for (const second of [first + 1, first + 7, stream.length - 1]) {
        if (second <= first || second >= stream.length) continue;
        const counter = new TerminatorCounter();
        const chunks = [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)];
        expect(chunks.reduce((sum, chunk) => sum + counter.feed(chunk), 0)).toBe(3);
      }
    }
  });
});
