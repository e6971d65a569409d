/**
 * Spec fuzzing: mutants of the demo spec and the test specs (see `mutate.ts`) run through the
 * generator. Each must end in exit 0 with output that type-checks (all of them in one tsc
 * program), or exit 1 with `file:line:col` diagnostics and no output folder; never a crash.
 * `FUZZ_MUTANTS` sets how many (default 12, fixed `FUZZ_SEED`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@stoplight/yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, removeDir, REPO_ROOT, scratchProject, TICKER_SPEC, typecheck, type CliRun } from '../generator/helpers.js';
import { MUTATION_NAMES, mutate, seeded } from './mutate.js';

const MUTANTS = Number(process.env.FUZZ_MUTANTS ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);

const SOURCES: Record<string, string> = {
  'asyncapi.yaml': readFileSync(path.join(REPO_ROOT, 'asyncapi.yaml'), 'utf8'),
  'bench/bench-asyncapi.yaml': readFileSync(path.join(REPO_ROOT, 'bench/bench-asyncapi.yaml'), 'utf8'),
  'test/generator/helpers.ts TICKER_SPEC': TICKER_SPEC,
};

/** What an internal failure looks like when the CLI reports it as if it were a spec problem. */
const CRASH = /\n\s+at |TypeError|ReferenceError|RangeError|SyntaxError: (?!.*JSON)|Cannot read propert|is not a function|is not iterable|Maximum call stack|undefined \(reading/;
/** `file:line:col severity message`, the CLI's diagnostic format. */
const DIAGNOSTIC = /^\S+:\d+:\d+ (error|warning) /m;

type Outcome = 'generated' | 'refused' | 'crash' | 'refused without diagnostic' | 'half-written' | 'does not type-check';

interface Mutant {
  label: string;
  dir: string;
  out: string;
  handlers: string;
  run: CliRun | { code: -1; stdout: ''; stderr: string };
  outcome: Outcome;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('spec fuzzing', () => {
  it(`${MUTANTS} mutants (seed ${SEED}) each generate code that type-checks or fail with diagnostics`, async () => {
    const random = seeded(SEED);
    const sources = Object.entries(SOURCES).map(([name, text]) => [name, parse(text) as Record<string, never>] as const);
    const mutants: Mutant[] = [];
    for (let i = 0; i < MUTANTS; i++) {
      const [source, document] = sources[i % sources.length]!;
      const { mutant, applied } = mutate(document, MUTATION_NAMES[i % MUTATION_NAMES.length]!, random);
      const project = scratchProject('fuzz', JSON.stringify(mutant, null, 1));
      dirs.push(project.dir);
      let run: Mutant['run'];
      try {
        run = await generate(...project.args);
      } catch (error) {
        run = { code: -1, stdout: '', stderr: String((error as Error).stack ?? error) };
      }
      const label = `#${i + 1} ${source}: ${applied.join(' + ')}`;
      mutants.push({ label, dir: project.dir, out: project.out, handlers: project.handlers, run, outcome: classify(run, project.out, project.handlers) });
    }

    const generated = mutants.filter((m) => m.outcome === 'generated');
    if (generated.length > 0) {
      const checked = await typecheck(generated.flatMap((m) => [m.out, m.handlers]));
      if (!checked.ok) {
        for (const m of generated) if (checked.output.includes(path.relative(REPO_ROOT, m.dir)) || checked.output.includes(m.dir)) m.outcome = 'does not type-check';
        console.log(checked.output.slice(0, 4000));
      }
    }

    const counts: Record<string, number> = {};
    for (const m of mutants) counts[m.outcome] = (counts[m.outcome] ?? 0) + 1;
    console.log(`spec fuzz: ${mutants.length} mutants, seed ${SEED}: ${Object.entries(counts).map(([o, n]) => `${n} ${o}`).join(', ')}`);
    const bad = mutants.filter((m) => m.outcome !== 'generated' && m.outcome !== 'refused');
    for (const m of bad) console.log(`${m.outcome}: ${m.label}\n  exit ${m.run.code}: ${m.run.stderr.slice(0, 600)}`);
    expect(bad.map((m) => `${m.outcome}: ${m.label}`)).toEqual([]);
  }, 300_000);
});

function classify(run: Mutant['run'], out: string, handlers: string): Outcome {
  if (run.code === 0) return 'generated';
  if (run.code !== 1 || CRASH.test(run.stderr)) return 'crash';
  if (existsSync(out) || existsSync(handlers)) return 'half-written';
  return DIAGNOSTIC.test(run.stderr) ? 'refused' : 'refused without diagnostic';
}
