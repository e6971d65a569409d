/** Markdown tables of the medians and the goals; printed on stdout and shown in the README. */
import type { Goal, MedianRow } from '../summary.js';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function whole(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

function kilobytes(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : '–';
}

function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
}

export function mediansTable(rows: MedianRow[]): string {
  return table(
    ['case', 'server', 'events/s', 'server µs/event (user+sys)', 'client µs/event', 'p50 ms', 'p99 ms', 'heap/conn', 'RSS/conn', 'CPU vs lower bound', 'CPU vs naive', 'CPU vs better-sse', 'ok runs'],
    rows.map((row) => [
      row.key,
      row.server,
      whole(row.eventsPerSec),
      `${fixed(row.serverCpuPerEventUs, 2)} (${fixed(row.serverUserPerEventUs, 2)}+${fixed(row.serverSystemPerEventUs, 2)})`,
      fixed(row.clientCpuPerEventUs, 2),
      fixed(row.latencyP50Ms, 1),
      fixed(row.latencyP99Ms, 1),
      kilobytes(row.heapPerConnection),
      kilobytes(row.rssPerConnection),
      ratio(row.vsLowerBound.serverCpuPerEventUs),
      ratio(row.vsNaive.serverCpuPerEventUs),
      ratio(row.vsBetterSse.serverCpuPerEventUs),
      `${row.okRuns}/${row.runs}`,
    ]),
  );
}

/** The runs on Redis beside one in-memory process of the same runtime and case. */
export function scaleOutTable(rows: MedianRow[]): string {
  return table(
    ['case', 'server', 'events/s', 'server µs/event', 'of which redis-server', 'p99 ms', 'KB Redis→each instance', 'events/s vs 1 instance', 'CPU/event vs 1 instance', 'p99 vs 1 instance'],
    rows.map((row) => [
      row.key,
      row.server,
      whole(row.eventsPerSec),
      fixed(row.serverCpuPerEventUs, 2),
      fixed(row.redisCpuPerEventUs, 2),
      fixed(row.latencyP99Ms, 1),
      row.bytesFromRedis.map((bytes) => whole(bytes / 1024)).join(' / '),
      ratio(row.vsSingleInstance.eventsPerSec),
      ratio(row.vsSingleInstance.serverCpuPerEventUs),
      ratio(row.vsSingleInstance.latencyP99Ms),
    ]),
  );
}

export function goalsTable(goals: Goal[]): string {
  return table(
    ['goal', 'case', 'measured', 'rounds (min–max)', 'target', 'result'],
    goals.map((goal) => [
      goal.goal,
      goal.key,
      `${fixed(goal.measured, goal.metric === 'bytes' || goal.metric.endsWith('ms') ? 0 : 2)} ${goal.metric}`,
      goal.rounds ? `${fixed(goal.rounds.min, 2)}–${fixed(goal.rounds.max, 2)} (${goal.rounds.count})` : '–',
      `${goal.comparison === '<=' ? '≤' : '≥'} ${goal.limit}`,
      goal.pass === null ? 'not measured' : goal.pass ? 'pass' : 'FAIL',
    ]),
  );
}
