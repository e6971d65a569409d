/** `npm run bench:generate`: cold `npm run generate` wall time alone (`BENCH_RUNS` runs per spec, default 3). */
import { availableParallelism } from 'node:os';
import { timeGenerator } from './generator-timing.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
console.log(`generate, cold wall time (fresh process), median of ${runs} runs on ${availableParallelism()} cores`);
for (const timing of timeGenerator(runs)) {
  const verdict = timing.medianSec <= timing.goalSec ? 'within' : 'over';
  const each = timing.runsSec.map((t) => t.toFixed(2)).join(', ');
  console.log(`${timing.name.padEnd(40)} ${timing.medianSec.toFixed(2)} s  (runs: ${each}; load ${timing.loadAverage.toFixed(1)}; goal ${timing.goalSec} s: ${verdict})`);
}
