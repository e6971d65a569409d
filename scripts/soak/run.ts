/**
 * `npm run soak [-- --minutes 10 --clients 2000 --out docs/soak.svg]`: churns clients against a
 * replayable stream served by a child process, then fails (exit 1) when any event was lost,
 * duplicated or reset, or when memory grew: the median RSS or heap used of the last minute may
 * exceed the median of the minute after warm-up by at most `MAX_GROWTH`. Draws both over time.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { memoryChart, type MemorySample } from './chart.js';
import { ChurningClient, type ClientTally } from './client.js';
import type { SoakServerMessage } from './server.js';

const MAX_GROWTH = 0.2;
const MB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    clients: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'docs/soak.svg' },
  },
});
const minutes = Number(values.minutes);
const clientCount = Number(values.clients);
if (!(minutes > 0) || !Number.isInteger(clientCount) || clientCount < 1) {
  console.error('usage: npm run soak -- [--minutes 30] [--clients 2000] [--out docs/soak.svg]');
  process.exit(2);
}
const totalMs = minutes * 60_000;
/** Clients join over the first part of the run; memory is judged after it. */
const warmUpMs = Math.min(120_000, totalMs * 0.2);
const windowMs = Math.min(60_000, totalMs * 0.2);

const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), { execArgv: ['--conditions=asyncapi-sse-source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const samples: MemorySample[] = [];
const started = Date.now();
let openStreams = 0;
const port = await new Promise<number>((resolve, reject) => {
  child.on('message', (message: SoakServerMessage) => {
    if (message.type === 'listening') resolve(message.port);
    else {
      samples.push({ t: (message.at - started) / 1000, rss: message.rss, heapUsed: message.heapUsed });
      openStreams = message.streams;
    }
  });
  child.once('exit', (code) => reject(new Error(`soak server exited with ${code}`)));
});

const clients = Array.from({ length: clientCount }, () => new ChurningClient(port, { sessionMs: [2000, 10_000], pauseMs: [0, 2000] }));
clients.forEach((client, i) => client.start((i / clientCount) * Math.min(30_000, warmUpMs)));
console.log(`soak: ${clientCount} clients for ${minutes} min against port ${port}`);

const progress = setInterval(() => {
  const tally = total(clients.map((client) => client.tally));
  const last = samples.at(-1);
  console.log(
    `${((Date.now() - started) / 60_000).toFixed(1)} min: ${openStreams} open, ${tally.sessions} sessions, ${tally.events} events, ` +
      `lost ${tally.lost}, duplicated ${tally.duplicated}, resets ${tally.resets}, failures ${failures(tally)}, ` +
      `rss ${mb(last?.rss)} MB, heap ${mb(last?.heapUsed)} MB`,
  );
}, 30_000);
await new Promise((resolve) => setTimeout(resolve, totalMs));
clearInterval(progress);
for (const client of clients) client.stop();
const tally = total(clients.map((client) => client.tally));
child.disconnect();
await once(child, 'exit');

const baseline = window(warmUpMs, warmUpMs + windowMs);
const final = window(totalMs - windowMs, totalMs);
const growth = { rss: final.rss / baseline.rss - 1, heapUsed: final.heapUsed / baseline.heapUsed - 1 };
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, memoryChart(samples, `Soak: ${clientCount} churning clients, ${minutes} min (RSS and heap used of the server)`));

console.log(`\nsessions ${tally.sessions}, events ${tally.events}, lost ${tally.lost}, duplicated ${tally.duplicated}, resets ${tally.resets}, failures ${failures(tally)}`);
console.log(`RSS median ${mb(baseline.rss)} MB after warm-up, ${mb(final.rss)} MB at the end (${pct(growth.rss)})`);
console.log(`heap used median ${mb(baseline.heapUsed)} MB after warm-up, ${mb(final.heapUsed)} MB at the end (${pct(growth.heapUsed)})`);
console.log(`chart: ${values.out}`);
const problems = [
  tally.lost > 0 && `${tally.lost} events lost`,
  tally.duplicated > 0 && `${tally.duplicated} events duplicated`,
  tally.resets > 0 && `${tally.resets} replay resets`,
  tally.events === 0 && 'no events received',
  growth.rss > MAX_GROWTH && `RSS grew ${pct(growth.rss)} (bound ${pct(MAX_GROWTH)})`,
  growth.heapUsed > MAX_GROWTH && `heap grew ${pct(growth.heapUsed)} (bound ${pct(MAX_GROWTH)})`,
].filter(Boolean);
console.log(problems.length === 0 ? 'soak passed' : `soak FAILED: ${problems.join(', ')}`);
process.exit(problems.length === 0 ? 0 : 1);

function total(tallies: ClientTally[]): ClientTally {
  const sum: ClientTally = { sessions: 0, events: 0, lost: 0, duplicated: 0, resets: 0, failures: {} };
  for (const t of tallies) {
    sum.sessions += t.sessions;
    sum.events += t.events;
    sum.lost += t.lost;
    sum.duplicated += t.duplicated;
    sum.resets += t.resets;
    for (const [failure, count] of Object.entries(t.failures)) sum.failures[failure] = (sum.failures[failure] ?? 0) + count;
  }
  return sum;
}

function failures(tally: ClientTally): string {
  const entries = Object.entries(tally.failures);
  return entries.length === 0 ? '0' : entries.map(([failure, count]) => `${count} ${failure}`).join(', ');
}

/** Median RSS and heap of the samples between `fromMs` and `toMs` after the start. */
function window(fromMs: number, toMs: number): { rss: number; heapUsed: number } {
  const inside = samples.filter((s) => s.t * 1000 >= fromMs && s.t * 1000 <= toMs);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  return { rss: median(inside.map((s) => s.rss)), heapUsed: median(inside.map((s) => s.heapUsed)) };
}

function mb(bytes: number | undefined): string {
  return bytes === undefined ? '?' : (bytes / MB).toFixed(1);
}

function pct(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;
}
