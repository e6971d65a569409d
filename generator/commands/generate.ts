/**
 * `asyncapi-sse generate [--spec asyncapi.yaml --out generated --handlers handlers --check --watch]`
 * Exit codes: 0 success; 1 spec errors, stale output (--check) or nothing to generate; 2 bad usage.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { SpecError, formatDiagnostic, sortDiagnostics } from '../diagnostics.js';
import { usageOf } from './commands.js';
import { consoleOutput, type Output } from './output.js';
import { generate, type GenerateOptions, type GenerateResult } from '../pipeline.js';
import { installValidatorCaches } from '../load/validator-caches.js';

export type { Output } from './output.js';

/** Runs the CLI; resolves to the exit code (never, with --watch, until the watcher is closed). */
export async function runCli(argv: string[], output: Output = consoleOutput): Promise<number> {
  let options: GenerateOptions & { watch: boolean };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        spec: { type: 'string', default: 'asyncapi.yaml' },
        out: { type: 'string', default: 'generated' },
        handlers: { type: 'string', default: 'handlers' },
        check: { type: 'boolean', default: false },
        watch: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
    if (values.check && values.watch) throw new Error('--check and --watch cannot be combined');
    options = { spec: values.spec, out: values.out, handlers: values.handlers, check: values.check, watch: values.watch };
  } catch (error) {
    output.err(`${(error as Error).message}\n${usageOf('generate')}`);
    return 2;
  }
  await installValidatorCaches();
  if (options.watch) return watchSpec(options, output);
  return (await runOnce(options, output)).code;
}

interface RunOutcome {
  code: number;
  /** Files the spec consists of, when it loaded. */
  sourceFiles?: string[];
}

async function runOnce(options: GenerateOptions, output: Output): Promise<RunOutcome> {
  const started = performance.now();
  let result: GenerateResult;
  try {
    result = await generate(options);
  } catch (error) {
    if (error instanceof SpecError) {
      for (const d of sortDiagnostics(error.diagnostics)) output.err(formatDiagnostic(d));
    } else {
      // A schema the libraries reject (an invalid regex in `pattern`, say) is still a spec problem.
      output.err(`${options.spec}: error ${(error as Error).message}`);
    }
    output.err(`generation failed; nothing under ${options.out} or ${options.handlers} was changed`);
    return { code: 1 };
  }
  printResult(result, options, output, started);
  const { report } = result;
  const stale = options.check && (report.written.length > 0 || report.removed.length > 0);
  return { code: stale ? 1 : 0, sourceFiles: result.sourceFiles };
}

function printResult(result: GenerateResult, options: GenerateOptions, output: Output, started: number): void {
  const { report } = result;
  const relative = (file: string) => path.relative(process.cwd(), file);
  for (const d of sortDiagnostics(result.diagnostics)) output.err(formatDiagnostic(d));
  for (const note of result.notes) output.err(`note: ${note}`);
  if (options.check) {
    for (const file of report.written) output.err(`stale: ${relative(file)}`);
    for (const file of report.removed) output.err(`stale: ${relative(file)} (no longer generated)`);
  } else {
    for (const file of report.removed) output.out(`removed ${relative(file)} (no longer generated)`);
  }
  for (const file of report.scaffolded) output.out(`${options.check ? 'missing handler' : 'scaffolded'} ${relative(file)}`);
  for (const file of report.orphaned) output.out(`orphaned handler ${relative(file)}: no operation uses it`);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const verb = options.check ? 'stale' : 'written';
  const scaffolded = options.check ? 0 : report.scaffolded.length;
  output.out(`${report.written.length} ${verb}, ${report.unchanged.length} unchanged, ${scaffolded} scaffolded in ${seconds}s`);
}

/** Regenerates whenever the spec or a file it `$ref`s changes; errors are printed and survived. */
function watchSpec(options: GenerateOptions, output: Output): Promise<number> {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let files = [path.resolve(options.spec)];
  const rewatch = () => {
    for (const w of watchers) w.close();
    watchers = files.map((file) => watch(file, () => schedule()));
  };
  const cycle = async () => {
    // After a failed run, keep watching the files known from the last good one.
    files = (await runOnce(options, output)).sourceFiles ?? files;
    rewatch();
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void cycle(), 100);
  };
  void cycle();
  return new Promise(() => {});
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
