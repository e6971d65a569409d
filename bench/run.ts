/**
 * `npm run bench [-- --quick] [--servers a,b] [--scenarios a,b] [--burst N] [--connections N]`: fan-out benchmark
 * of asyncapi-sse against better-sse and a naive node:http server. Every run uses fresh
 * processes; servers alternate within each case. Results go to stdout, bench/results/ (a
 * `--scenarios` run to its own file, so it never replaces latest.json) and (complete full runs)
 * the README's Performance section.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prepareAsyncapiSse } from './prepare.js';
import { buildResults, caption } from './report/results.js';
import { chart } from './report/svg.js';
import { updateReadme } from './report/readme.js';
import { goalsTable, mediansTable, scaleOutTable } from './report/table.js';
import { timeGenerator } from './generator-timing.js';
import { redisServerMissing } from './redis-server.js';
import { DEFAULT_SCALE, runScale, scaleTable, type ScaleSpec } from './scale.js';
import { isAsyncapiSse, needsRedis, runOnce, SERVERS, type RunResult, type ServerName } from './run-once.js';
import { makePlan, servesCase } from './scenarios.js';

const RESULTS = new URL('./results/', import.meta.url);
const README = fileURLToPath(new URL('../README.md', import.meta.url));

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    servers: { type: 'string', default: SERVERS.join(',') },
    burst: { type: 'string', default: '1' },
    scenarios: { type: 'string' },
    connections: { type: 'string' },
  },
});

/** `--scenarios generate` times `npm run generate` (it runs in every unfiltered run too). */
const GENERATE_SCENARIO = 'generate';
/** `--scenarios scale` opens `--connections` streams (100,000 by default) to one process; only when asked. */
const SCALE_SCENARIO = 'scale';

const mode = values.quick ? 'quick' : 'full';
const burst = Number(values.burst);
if (!Number.isInteger(burst) || burst < 1) throw new Error(`--burst must be a positive integer, got "${values.burst}"`);
const requested = values.servers.split(',').map((name) => name.trim());
const unknown = requested.filter((name) => !(SERVERS as readonly string[]).includes(name));
if (unknown.length > 0) throw new Error(`unknown server(s) ${unknown.join(', ')}; choose from ${SERVERS.join(', ')}`);

const plan = makePlan(mode, burst);
const wanted = values.scenarios?.split(',').map((name) => name.trim());
if (wanted) plan.cases = plan.cases.filter((item) => wanted.includes(item.scenario));
const serves = (server: ServerName) => plan.cases.some((item) => servesCase(server, item.scenario));

const notes: string[] = [];
const servers: ServerName[] = [];
let generated: Promise<string | null> | undefined;
for (const server of SERVERS.filter((name) => requested.includes(name) && serves(name))) {
  const noRedis = needsRedis(server) ? redisServerMissing() : null;
  if (noRedis) {
    notes.push(`${server} not measured: ${noRedis}`);
    console.warn(`${server} skipped: ${noRedis}`);
    continue;
  }
  if (isAsyncapiSse(server)) {
    const problem = await (generated ??= prepareAsyncapiSse());
    if (problem) {
      notes.push(`${server} not measured: ${problem}`);
      console.warn(`${server} skipped: ${problem}`);
      continue;
    }
  }
  servers.push(server);
}

const timesGenerator = !wanted || wanted.includes(GENERATE_SCENARIO);
const scale = wanted?.includes(SCALE_SCENARIO) ? scaleSpec(values.connections) : null;
if (plan.cases.length === 0 && !timesGenerator && !scale) throw new Error(`no scenario matches "${values.scenarios}"`);
if (scale) await runScaleScenario(scale);
if (plan.cases.length === 0 && !timesGenerator) process.exit(0);
const total = plan.repetitions * plan.cases.reduce((sum, item) => sum + servers.filter((server) => servesCase(server, item.scenario)).length, 0);
const started = Date.now();
const runs: RunResult[] = [];
// First, while no server runs: generation is timed by the wall clock, which other load stretches.
const generator = timesGenerator ? timeGenerator(plan.repetitions) : [];
for (const timing of generator) console.log(`generate ${timing.name}: ${timing.medianSec.toFixed(2)} s (runs: ${timing.runsSec.map((t) => t.toFixed(2)).join(', ')})`);

// Each repetition sweeps every case, so a change in the machine's load lands on all cases and
// servers alike instead of on whichever case happened to run then.
for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
  for (const item of plan.cases) {
    for (const server of servers.filter((name) => servesCase(name, item.scenario))) {
      const runStarted = Date.now();
      const result = await runOnce({ ...item, server });
      runs.push(result);
      console.log(`${progressLine(runs.length, total, result)} (${((Date.now() - runStarted) / 1000).toFixed(1)} s)`);
    }
  }
}

const results = buildResults(plan, servers, runs, generator, notes, Math.round((Date.now() - started) / 1000));
const scaledOut = results.medians.filter((row) => row.scenario === 'redis');
const scaleOut = scaledOut.length > 0 ? `\n\n${scaleOutTable(scaledOut)}` : '';
const tables = `${mediansTable(results.medians)}${scaleOut}\n\n${goalsTable(results.goals)}`;
console.log(`\n${tables}\n`);
for (const note of notes) console.log(note);

const name = wanted ? wanted.join('+') : 'latest';
await mkdir(RESULTS, { recursive: true });
await writeFile(new URL(`${name}.json`, RESULTS), `${JSON.stringify(results, null, 2)}\n`);
const svg = chart(results.medians, caption(results));
if (svg) await writeFile(new URL(`${name}.svg`, RESULTS), svg);
console.log(`wrote bench/results/${name}.json${svg ? ` and ${name}.svg` : ''} (${results.elapsedSec} s)`);
// Only a full run of every scenario on every server stands for the project in the README.
if (mode === 'full' && !values.scenarios && servers.length === SERVERS.length) {
  const section = `Results of \`${results.command}\` (${caption(results)}):\n\n${tables}`;
  if (await updateReadme(README, section)) console.log('updated the Performance section of README.md');
}

function scaleSpec(connections: string | undefined): ScaleSpec {
  const count = connections === undefined ? DEFAULT_SCALE.connections : Number(connections);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--connections must be a positive integer, got "${connections}"`);
  return { ...DEFAULT_SCALE, connections: count };
}

async function runScaleScenario(spec: ScaleSpec): Promise<void> {
  const problem = await (generated ??= prepareAsyncapiSse());
  if (problem) throw new Error(`scale scenario not run: ${problem}`);
  console.log(`scale: ${spec.connections.toLocaleString('en-US')} streams to one asyncapi-sse process`);
  const result = await runScale(spec, (line) => console.log(`scale: ${line}`));
  console.log(`\n${scaleTable(result)}\n`);
  if (!result.ok) console.log(`scale FAILED: ${result.error}`);
  await mkdir(RESULTS, { recursive: true });
  await writeFile(new URL(`${SCALE_SCENARIO}.json`, RESULTS), `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`);
  console.log(`wrote bench/results/${SCALE_SCENARIO}.json`);
  if (!result.ok) process.exitCode = 1;
}

function progressLine(done: number, of: number, run: RunResult): string {
  const figures = run.ok
    ? `${Math.round(run.eventsPerSec)} events/s, ${run.serverCpu.perEventUs.toFixed(2)} µs/event server, ${run.clientCpu.perEventUs.toFixed(2)} client, p99 ${run.latencyMs.p99.toFixed(1)} ms`
    : `FAILED: ${run.error}`;
  return `[${done}/${of}] ${run.key} ${run.server}: ${figures}`;
}
