/** Medians over repetitions, ratios between servers, and the goals checked against them. */
import type { GeneratorTiming } from './generator-timing.js';
import { caseKey, type Case, type ScenarioId } from './scenarios.js';
import type { RunResult, ServerName } from './run-once.js';
import { median } from './stats.js';

export interface MedianRow {
  key: string;
  scenario: ScenarioId;
  server: ServerName;
  connections: number;
  size: number;
  runs: number;
  okRuns: number;
  eventsPerSec: number;
  /** Events/s per reading connection. */
  perConnectionEventsPerSec: number;
  /** Every server process and, on Redis, every redis-server process. */
  serverCpuPerEventUs: number;
  /** The redis-server processes' part of it. */
  redisCpuPerEventUs: number;
  /** Pub/sub bytes Redis sent each instance (index = instance), median over runs. */
  bytesFromRedis: number[];
  serverUserPerEventUs: number;
  serverSystemPerEventUs: number;
  clientCpuPerEventUs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  heapPerConnection: number;
  rssPerConnection: number;
  vsNaive: Ratios;
  vsBetterSse: Ratios;
  /** Against naive node:http with the same batching rule: the floor of this design. */
  vsLowerBound: Ratios;
  /** Against one asyncapi-sse process in memory: what scaling out on Redis costs. */
  vsSingleInstance: Ratios;
}

/** This server's figure divided by the other server's, for the same case. */
export interface Ratios {
  eventsPerSec: number;
  serverCpuPerEventUs: number;
  latencyP99Ms: number;
  heapPerConnection: number;
}

export interface Goal {
  goal: string;
  key: string;
  /** What `measured` is: a ratio to another server or an absolute figure. */
  metric: string;
  measured: number;
  limit: number;
  comparison: '<=' | '>=';
  /** null: not measured (asyncapi-sse, or a server it is compared with, did not run the case). */
  pass: boolean | null;
  /** For ratios taken round by round (`measured` is their median): the lowest and highest. */
  rounds?: { min: number; max: number; count: number };
}

const SUBJECT: ServerName = 'asyncapi-sse';
const LOWER_BOUND: ServerName = 'naive-batched';

export function medianRows(cases: Case[], runs: RunResult[]): MedianRow[] {
  const rows: MedianRow[] = [];
  for (const item of cases) {
    const byServer = new Map<ServerName, RunResult[]>();
    for (const run of runs) {
      if (run.key !== item.key) continue;
      byServer.set(run.server, [...(byServer.get(run.server) ?? []), run]);
    }
    const partial = [...byServer].map(([server, serverRuns]) => medianOf(item, server, serverRuns));
    const find = (server: ServerName) => partial.find((row) => row.server === server);
    for (const row of partial) {
      rows.push({
        ...row,
        vsNaive: ratios(row, find('naive')),
        vsBetterSse: ratios(row, find('better-sse')),
        vsLowerBound: ratios(row, find(LOWER_BOUND)),
        vsSingleInstance: ratios(row, find(SUBJECT)),
      });
    }
  }
  return rows;
}

type Medians = Omit<MedianRow, 'vsNaive' | 'vsBetterSse' | 'vsLowerBound' | 'vsSingleInstance'>;

function medianOf(item: Case, server: ServerName, runs: RunResult[]): Medians {
  const ok = runs.filter((run) => run.ok);
  const of = (pick: (run: RunResult) => number) => median(ok.map(pick));
  return {
    key: item.key,
    scenario: item.scenario,
    server,
    connections: item.connections,
    size: item.size,
    runs: runs.length,
    okRuns: ok.length,
    eventsPerSec: of((run) => run.eventsPerSec),
    perConnectionEventsPerSec: of((run) => run.eventsPerSec / (run.connections - run.paused)),
    serverCpuPerEventUs: of((run) => run.serverCpu.perEventUs),
    redisCpuPerEventUs: of((run) => run.redisCpu.perEventUs),
    bytesFromRedis: (ok[0]?.fromRedis ?? []).map((_, instance) => of((run) => run.fromRedis[instance]?.bytes ?? Number.NaN)),
    serverUserPerEventUs: of((run) => run.serverCpu.perEventUserUs),
    serverSystemPerEventUs: of((run) => run.serverCpu.perEventSystemUs),
    clientCpuPerEventUs: of((run) => run.clientCpu.perEventUs),
    latencyP50Ms: of((run) => run.latencyMs.p50),
    latencyP99Ms: of((run) => run.latencyMs.p99),
    latencyMaxMs: of((run) => run.latencyMs.max),
    heapPerConnection: of((run) => run.memory.heapPerConnection),
    rssPerConnection: of((run) => run.memory.rssPerConnection),
  };
}

function ratios(row: Medians, other: Medians | undefined): Ratios {
  const ratio = (pick: (r: typeof row) => number) => (other ? pick(row) / pick(other) : Number.NaN);
  return {
    eventsPerSec: ratio((r) => r.eventsPerSec),
    serverCpuPerEventUs: ratio((r) => r.serverCpuPerEventUs),
    latencyP99Ms: ratio((r) => r.latencyP99Ms),
    heapPerConnection: ratio((r) => r.heapPerConnection),
  };
}

/** Per-round CPU/event goals at these sizes: the lower bound's limit (the floor). */
const LOWER_BOUND_LIMITS: Record<number, number> = { 256: 1.2, 2048: 1.0 };
/** Cases whose heap per connection is held against naive's. */
const HEAP_CASES = new Set(['burst N=1000 256 B', 'fanout N=10000 256 B']);

/**
 * The ratio of asyncapi-sse's figure to another server's, round by round: run i of one server
 * against run i of the other (the servers alternate within each round, so both saw the same
 * load). `measured` is the median of the rounds; `rounds` their spread.
 */
function roundRatios(runs: RunResult[], key: string, other: ServerName, pick: (run: RunResult) => number): Pick<Goal, 'measured' | 'rounds'> | undefined {
  const of = (server: ServerName) => runs.filter((run) => run.key === key && run.server === server);
  const mine = of(SUBJECT);
  const theirs = of(other);
  if (mine.length === 0 || theirs.length === 0) return undefined;
  const ratios: number[] = [];
  for (let round = 0; round < Math.min(mine.length, theirs.length); round++) {
    if (mine[round]!.ok && theirs[round]!.ok) ratios.push(pick(mine[round]!) / pick(theirs[round]!));
  }
  const finite = ratios.filter(Number.isFinite);
  if (finite.length === 0) return { measured: Number.NaN };
  return { measured: median(finite), rounds: { min: Math.min(...finite), max: Math.max(...finite), count: finite.length } };
}

const cpuPerEvent = (run: RunResult) => run.serverCpu.perEventUs;
const heapPerConnection = (run: RunResult) => run.memory.heapPerConnection;

export function evaluateGoals(cases: Case[], rows: MedianRow[], runs: RunResult[] = []): Goal[] {
  const goals: Goal[] = [];
  const subject = (key: string) => rows.find((row) => row.key === key && row.server === SUBJECT);
  for (const item of cases) {
    const row = subject(item.key);
    // A server that ran the case but never completed it fails; one that did not run it is not measured.
    const add = (goal: string, key: string, metric: string, measured: number | undefined, comparison: Goal['comparison'], limit: number, rounds?: Goal['rounds']) => {
      const value = measured ?? Number.NaN;
      const met = comparison === '<=' ? value <= limit : value >= limit;
      const pass = Number.isFinite(value) ? met : row && row.okRuns === 0 ? false : null;
      goals.push({ goal, key, metric, measured: value, limit, comparison, pass, ...(rounds ? { rounds } : {}) });
    };
    const addRounds = (goal: string, other: ServerName, metric: string, pick: (run: RunResult) => number, limit: number) => {
      const ratio = roundRatios(runs, item.key, other, pick);
      add(goal, item.key, metric, ratio?.measured, '<=', limit, ratio?.rounds);
    };
    switch (item.scenario) {
      case 'burst': {
        const floor = LOWER_BOUND_LIMITS[item.size];
        if (floor !== undefined) addRounds('back-to-back CPU per event vs the lower bound', LOWER_BOUND, 'CPU µs/event ratio', cpuPerEvent, floor);
        add('back-to-back CPU per event vs naive', item.key, 'CPU µs/event ratio', row?.vsNaive.serverCpuPerEventUs, '<=', 0.8);
        add('back-to-back CPU per event vs better-sse', item.key, 'CPU µs/event ratio', row?.vsBetterSse.serverCpuPerEventUs, '<=', 0.5);
        add('back-to-back events/s vs naive', item.key, 'events/s ratio', row?.vsNaive.eventsPerSec, '>=', 1);
        break;
      }
      case 'interval':
        addRounds('100 ms interval CPU per event vs naive', 'naive', 'CPU µs/event ratio', cpuPerEvent, 0.8);
        add('100 ms interval p99 latency vs naive', item.key, 'p99 ratio', row?.vsNaive.latencyP99Ms, '<=', 1);
        break;
      case 'fanout':
        add('idle heap per connection', item.key, 'bytes', row?.heapPerConnection, '<=', 6 * 1024);
        add('every connection receives a broadcast within 1 s', item.key, 'slowest delivery ms', row?.latencyMaxMs, '<=', 1000);
        break;
      case 'slow-consumer': {
        const baseline = subject(caseKey('slow-consumer-baseline', item.connections, item.size));
        const ratio = row && baseline ? row.perConnectionEventsPerSec / baseline.perConnectionEventsPerSec : undefined;
        add('5% paused clients: others keep their throughput', item.key, 'events/s per connection ratio', ratio, '>=', 0.9);
        break;
      }
    }
    if (HEAP_CASES.has(item.key)) addRounds('heap per open connection vs naive', 'naive', 'heap/conn ratio', heapPerConnection, 1);
  }
  return goals;
}

/** Cold generation of each spec by the built CLI, validator cache filled, within its time. */
export function generatorGoals(timings: GeneratorTiming[]): Goal[] {
  return timings.map((timing) => ({
    goal: 'cold generate, built CLI',
    key: timing.name,
    metric: 's wall time',
    measured: timing.medianSec,
    limit: timing.goalSec,
    comparison: '<=',
    pass: timing.medianSec <= timing.goalSec,
  }));
}
