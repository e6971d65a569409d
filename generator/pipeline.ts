/** The whole pipeline, top to bottom: load → model → render → write (or compare). */
import { SpecError, hasErrors, type Diagnostic } from './diagnostics.js';
import { loadSpec } from './load/load.js';
import { buildModel, type SseModel } from './model/model.js';
import { renderAll, type RenderedFile } from './emit/render.js';
import { startTypeThread, typeDeclarations } from './emit/declarations-thread.js';
import type { SourceSet } from './load/sources.js';
import { compileValidators, type ValidatorModules } from './emit/validators.js';
import { compareOutput, writeOutput, type WriteReport } from './emit/write.js';

export interface GenerateOptions {
  spec: string;
  out: string;
  handlers: string;
  /** Compare instead of writing. */
  check?: boolean;
}

export interface GenerateResult {
  /** Warnings; errors are thrown as SpecError. */
  diagnostics: Diagnostic[];
  /** Problems with examples, and advice (a newer AsyncAPI version), in plain words. */
  notes: string[];
  report: WriteReport;
  /** Every file the spec consists of (for --watch). */
  sourceFiles: string[];
}

/** What the spec renders to, in memory: the files `generate` writes and the @asyncapi/generator template prints. */
export interface RenderedSpec {
  files: RenderedFile[];
  diagnostics: Diagnostic[];
  notes: string[];
  sourceFiles: string[];
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const { files, diagnostics, notes, sourceFiles } = await renderSpec(options);
  const targets = { outDir: options.out, handlersDir: options.handlers };
  const report = options.check ? compareOutput(files, targets) : writeOutput(files, targets);
  return { diagnostics, notes, report, sourceFiles };
}

/** Load → model → render, writing nothing; `out` and `handlers` only shape the import paths. */
export async function renderSpec(options: Omit<GenerateOptions, 'check'>): Promise<RenderedSpec> {
  startTypeThread();
  const loaded = await loadSpec(options.spec);
  const { model, diagnostics } = withLoadWarnings(loaded.diagnostics, () => buildModel(loaded.document, loaded.sources));
  // Every stage that can still run does, so one run reports the problems of all of them.
  const problems = [...loaded.diagnostics, ...diagnostics];
  // Printed in the worker while this thread compiles the validators.
  const declarations = hasErrors(problems) ? Promise.resolve('') : typeDeclarations(model.schemas);
  // Awaited by renderAll; should validators fail first, its outcome no longer matters.
  declarations.catch(() => {});
  const validators = compileOrReport(model, loaded.sources, problems);
  if (!validators || hasErrors(problems)) throw new SpecError(problems);
  const { files, warnings } = await renderAll(model, validators, declarations, { specFile: options.spec, outDir: options.out, handlersDir: options.handlers });
  return {
    files,
    diagnostics: [...problems, ...validators.diagnostics],
    notes: [...loaded.notes, ...warnings],
    sourceFiles: loaded.sources.files.map((f) => f.absolutePath),
  };
}

/** The validators, or undefined with their problems added to `problems`. */
function compileOrReport(model: SseModel, sources: SourceSet, problems: Diagnostic[]): ValidatorModules | undefined {
  try {
    return compileValidators(model, sources);
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    problems.push(...error.diagnostics);
    return undefined;
  }
}

/** Later stages' errors are reported together with the parser's warnings, which are no less true. */
function withLoadWarnings<T>(warnings: Diagnostic[], build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof SpecError) throw new SpecError([...warnings, ...error.diagnostics]);
    throw error;
  }
}
