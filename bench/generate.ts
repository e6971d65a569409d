/**
 * `npm run bench:generate`: cold `generate` of this checkout side by side with the generator of
 * `BENCH_GENERATE_BASELINE` (a commit; default: the tree before the bundled CLI), both built
 * first, alternating within each round (`BENCH_RUNS` rounds, default 5), with the validator
 * cache filled and empty. Prints medians of wall time, CPU time and peak RSS, and their ratios.
 */
import { rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  GENERATOR_CASES,
  GENERATOR_RSS_GOAL_MB,
  buildGenerator,
  buildGeneratorAt,
  cacheFor,
  coldRun,
  scratchFolder,
  summarize,
  type CacheState,
  type GeneratorTiming,
  type RunFigures,
} from './generator-timing.js';

/** The generator as it was before the work these figures measure (its last commit on main). */
const DEFAULT_BASELINE = '946a540';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const baselineCommit = process.env.BENCH_GENERATE_BASELINE ?? DEFAULT_BASELINE;
const root = fileURLToPath(new URL('..', import.meta.url));

console.log(`building this checkout and ${baselineCommit}...`);
const baseline = buildGeneratorAt(baselineCommit);
const current = buildGenerator('this checkout', root);
const generators = [baseline, current];
const loadBefore = loadavg();
console.log(`cold generate (fresh process, built CLI), ${runs} rounds alternating ${baseline.label} and ${current.label}, ${availableParallelism()} cores, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}`);

const scratch = scratchFolder();
const rows: Array<{ before: GeneratorTiming; after: GeneratorTiming }> = [];
try {
  for (const { name, spec, goalSec } of GENERATOR_CASES) {
    for (const cache of ['filled', 'empty'] as CacheState[]) {
      const loadAverage = loadavg()[0]!;
      const figures = new Map(generators.map((generator) => [generator, [] as RunFigures[]]));
      for (let round = 0; round < runs; round++) {
        const order = round % 2 === 0 ? generators : [...generators].reverse();
        for (const generator of order) figures.get(generator)!.push(coldRun(generator, spec, cacheFor(generator, cache, spec, scratch), scratch));
      }
      rows.push({
        before: summarize(name, cache, goalSec, loadAverage, figures.get(baseline)!),
        after: summarize(name, cache, goalSec, loadAverage, figures.get(current)!),
      });
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const cell = (value: number, digits: number) => value.toFixed(digits);
console.log('');
console.log('| spec | validator cache | wall s before → now (ratio) | CPU s before → now (ratio) | peak RSS MB before → now | now: runs (s) | goal |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const { before, after } of rows) {
  const wallOk = after.medianSec <= after.goalSec;
  const rssOk = after.medianPeakRssMb <= GENERATOR_RSS_GOAL_MB;
  const verdict = `≤ ${after.goalSec} s: ${wallOk ? 'pass' : 'FAIL'}; ≤ ${GENERATOR_RSS_GOAL_MB} MB: ${rssOk ? 'pass' : 'FAIL'}`;
  console.log(
    `| ${after.name} | ${after.cache} | ${cell(before.medianSec, 2)} → ${cell(after.medianSec, 2)} (${cell(after.medianSec / before.medianSec, 2)}×) ` +
      `| ${cell(before.medianCpuSec, 2)} → ${cell(after.medianCpuSec, 2)} (${cell(after.medianCpuSec / before.medianCpuSec, 2)}×) ` +
      `| ${cell(before.medianPeakRssMb, 0)} → ${cell(after.medianPeakRssMb, 0)} | ${after.runsSec.map((t) => cell(t, 2)).join(', ')} | ${verdict} |`,
  );
}
console.log(`\nload average (1, 5, 15 min): ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadavg().map((l) => l.toFixed(1)).join(' ')} after`);
