/**
 * Cold runs of the built `asyncapi-sse generate` (`npm run build`, then the package's bin
 * started as its `#!` line says, a fresh process each run, as an installed package runs it) on
 * the demo spec and on a real-world-sized one (`bench/dispatch-asyncapi.yaml`, about 1,000
 * lines). Each run reports its wall time, CPU time (user + system, both threads) and peak RSS.
 * The validator cache (generator/validator-cache.ts) is either filled by an untimed run first or
 * empty, a new folder per run: the figure without any cache a user's first run sees.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Preloaded into each timed run: writes its resource usage when it exits. */
const USAGE_REPORTER = fileURLToPath(new URL('./process-usage.mjs', import.meta.url));

export type CacheState = 'filled' | 'empty';

export interface GeneratorCase {
  name: string;
  spec: string;
  goalSec: number;
}

export const GENERATOR_CASES: GeneratorCase[] = [
  { name: 'demo spec (asyncapi.yaml)', spec: path.join(ROOT, 'asyncapi.yaml'), goalSec: 0.7 },
  { name: 'dispatch service (bench/dispatch-asyncapi.yaml)', spec: path.join(ROOT, 'bench/dispatch-asyncapi.yaml'), goalSec: 1.0 },
];

/** Peak RSS of a cold run, in MB. */
export const GENERATOR_RSS_GOAL_MB = 150;

export interface RunFigures {
  wallSec: number;
  cpuSec: number;
  peakRssMb: number;
}

export interface GeneratorTiming {
  name: string;
  cache: CacheState;
  /** Wall time of each run, in seconds. */
  runsSec: number[];
  medianSec: number;
  medianCpuSec: number;
  medianPeakRssMb: number;
  goalSec: number;
  /** One-minute load average when the runs started: wall time depends on what else runs. */
  loadAverage: number;
}

/** A built generator: a checkout and its `asyncapi-sse` bin. */
export interface BuiltGenerator {
  label: string;
  root: string;
  bin: string;
}

/**
 * Builds the generator of the checkout in `root` (its build script, without npm's own start-up):
 * the workspace package `generator/`, or in trees from before the workspaces the root package.
 */
export function buildGenerator(label: string, root: string): BuiltGenerator {
  const workspace = existsSync(path.join(root, 'generator/package.json'));
  const [cwd, args, bin] = workspace
    ? [path.join(root, 'generator'), ['../scripts/build.mjs', 'generator'], 'generator/dist/commands/bin.js']
    : [root, ['scripts/build.mjs'], 'dist/generator/bin.js'];
  execFileSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  return { label, root, bin: path.join(root, bin) };
}

/**
 * The generator of another commit, built in `.tmp/` with this checkout's `node_modules`:
 * `git archive` of the commit, not a worktree of the repository.
 */
export function buildGeneratorAt(commit: string): BuiltGenerator {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${commit}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const root = path.join(ROOT, '.tmp', 'generator-at', sha.slice(0, 12));
  const label = `${commit === sha ? sha.slice(0, 12) : commit} (${sha.slice(0, 7)})`;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  execFileSync('sh', ['-c', `git archive "${sha}" | tar -x -C "${root}"`], { cwd: ROOT });
  execFileSync('ln', ['-s', path.join(ROOT, 'node_modules'), path.join(root, 'node_modules')]);
  return buildGenerator(label, root);
}

/** The node options of the bin's `#!` line (`#!/usr/bin/env node ...`), as running the bin applies them. */
function shebangOptions(bin: string): string[] {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0]!;
  const match = /^#!\s*\/usr\/bin\/env\s+(?:-S\s+)?node\b(.*)$/.exec(first);
  if (!match) throw new Error(`${bin} does not start with "#!/usr/bin/env node"`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

/** One cold `generate` of `spec` into a fresh folder. */
export function coldRun(generator: BuiltGenerator, spec: string, cacheDir: string, scratch: string): RunFigures {
  const target = mkdtempSync(path.join(scratch, 'run-'));
  const usageFile = path.join(target, 'usage.json');
  const { bin } = generator;
  const started = performance.now();
  execFileSync(
    process.execPath,
    [...shebangOptions(bin), '--import', USAGE_REPORTER, bin, 'generate', '--spec', spec, '--out', path.join(target, 'generated'), '--handlers', path.join(target, 'handlers')],
    { cwd: generator.root, stdio: 'ignore', env: { ...process.env, ASYNCAPI_SSE_CACHE_DIR: cacheDir, BENCH_USAGE_FILE: usageFile } },
  );
  const wallSec = (performance.now() - started) / 1000;
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuSec: number; peakRssMb: number };
  rmSync(target, { recursive: true, force: true });
  return { wallSec, ...usage };
}

/** A cache folder for one run: a new empty one, or the generator's own, filled by an untimed run first. */
export function cacheFor(generator: BuiltGenerator, cache: CacheState, spec: string, scratch: string): string {
  if (cache === 'empty') return mkdtempSync(path.join(scratch, 'cache-'));
  const dir = path.join(scratch, `cache-of-${path.basename(generator.root)}`);
  if (!existsSync(dir)) coldRun(generator, spec, dir, scratch);
  return dir;
}

export function summarize(name: string, cache: CacheState, goalSec: number, loadAverage: number, runs: RunFigures[]): GeneratorTiming {
  const runsSec = runs.map((run) => run.wallSec);
  return {
    name,
    cache,
    runsSec,
    medianSec: median(runsSec),
    medianCpuSec: median(runs.map((run) => run.cpuSec)),
    medianPeakRssMb: median(runs.map((run) => run.peakRssMb)),
    goalSec,
    loadAverage,
  };
}

export function scratchFolder(): string {
  const scratch = path.join(ROOT, '.tmp', 'bench-generate');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  return scratch;
}

/** `runs` cold runs of this checkout's built generator per spec, with a filled cache (for `npm run bench`). */
export function timeGenerator(runs: number): GeneratorTiming[] {
  const scratch = scratchFolder();
  try {
    const current = buildGenerator('this checkout', ROOT);
    return GENERATOR_CASES.map(({ name, spec, goalSec }) => {
      const loadAverage = loadavg()[0]!;
      const cacheDir = cacheFor(current, 'filled', spec, scratch);
      return summarize(name, 'filled', goalSec, loadAverage, Array.from({ length: runs }, () => coldRun(current, spec, cacheDir, scratch)));
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
