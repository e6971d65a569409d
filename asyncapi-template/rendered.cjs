// What the spec renders to, shared by the hooks and the template's entry points: rendered once
// before the generator prints files, by the same pipeline as `asyncapi-sse generate`.
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/** The generator package: a folder of this repository (its sources) or an installed package (its build). */
const GENERATOR = path.dirname(require.resolve('asyncapi-sse-generator/package.json'));
const PIPELINE_SOURCE = path.join(GENERATOR, 'pipeline.ts');
const PIPELINE_COMPILED = path.join(GENERATOR, 'dist/pipeline.js');
/** Output folders with an entry point under template/ (each prints the files directly in it). */
const ENTRY_FOLDERS = ['.', 'client'];

/** @type {{ files: Array<{ target: 'out' | 'handlers', path: string, content: string }>, handlersDir: string } | undefined} */
let rendered;

/** `generate:before`: renders every file for this run of the generator. */
async function render(generator) {
  const { renderSpec } = await loadPipeline();
  const out = path.resolve(generator.targetDir);
  const handlersDir = path.resolve(out, generator.templateParams.handlers);
  const result = await renderSpec({ spec: specPath(generator), out, handlers: handlersDir });
  for (const note of result.notes) console.warn(`note: ${note}`);
  const unprinted = result.files.find((file) => file.target === 'out' && !ENTRY_FOLDERS.includes(path.posix.dirname(file.path)));
  if (unprinted) throw new Error(`asyncapi-sse-template has no entry point for ${unprinted.path}: add one under template/${path.posix.dirname(unprinted.path)}/`);
  rendered = { files: result.files, handlersDir };
}

/** The TypeScript pipeline in a checkout of asyncapi-sse; the installed generator ships only its compiled build. */
async function loadPipeline() {
  if (!existsSync(PIPELINE_SOURCE)) return import(pathToFileURL(PIPELINE_COMPILED).href);
  // tsx's CommonJS build of this API cannot find its own loader hooks; its ESM build can.
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(PIPELINE_SOURCE).href, __filename);
}

/** The parsed document's source file (`generateFromFile` passes its path to the parser). */
function specPath(generator) {
  const source = generator.asyncapi.meta().asyncapi.source;
  if (typeof source !== 'string' || source.length === 0) {
    throw new Error('asyncapi-sse-template reads the AsyncAPI document from its file: generate from a file path');
  }
  return source;
}

/** The output files directly in `dir` (a folder of the output, `''` for its root). */
function filesIn(dir) {
  if (!rendered) throw new Error('asyncapi-sse-template: the generate:before hook has not run');
  return rendered.files.filter((file) => file.target === 'out' && path.posix.dirname(file.path) === (dir || '.'));
}

/** `generate:after`: handler stubs are the user's code once written, so only missing ones are. */
function writeMissingHandlers() {
  for (const file of rendered?.files ?? []) {
    if (file.target !== 'handlers') continue;
    const destination = path.join(rendered.handlersDir, file.path);
    if (existsSync(destination)) continue;
    mkdirSync(path.dirname(destination), { recursive: true });
    writeFileSync(destination, file.content);
  }
}

module.exports = { render, filesIn, writeMissingHandlers };
