/**
 * The @asyncapi/generator template (`asyncapi-template/`), run through the generator's library API as
 * `asyncapi generate fromTemplate` runs it, writes byte for byte what `asyncapi-sse generate`
 * writes for the same spec.
 */
import path from 'node:path';
import Generator from '@asyncapi/generator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT, generate, removeDir, scratchDir, snapshot } from './helpers.js';
import { EXAMPLES, describeExamples } from './shared-examples.js';

const TEMPLATE = path.join(REPO_ROOT, 'asyncapi-template');

/** The output and handler folders of a run of the template and of the CLI, side by side. */
async function bothWays(spec: string): Promise<{ template: string; cli: string }> {
  const root = scratchDir('template');
  const template = path.join(root, 'template');
  const cli = path.join(root, 'cli');
  // A local path is used in place (no npm install); the handler stubs go beside the output, as --handlers ../handlers would.
  const generator = new Generator(TEMPLATE, path.join(template, 'generated'), { forceWrite: true, templateParams: { handlers: '../handlers' } });
  await generator.generateFromFile(spec);
  const run = await generate('--spec', spec, '--out', path.join(cli, 'generated'), '--handlers', path.join(cli, 'handlers'));
  expect(run.code, run.stderr).toBe(0);
  return { template, cli };
}

const roots: string[] = [];
afterAll(() => roots.forEach(removeDir));

function expectSameFiles(run: { template: string; cli: string }): void {
  roots.push(path.dirname(run.template));
  const written = snapshot(run.template);
  expect(Object.keys(written)).toContain(path.join('generated', 'openapi.json'));
  expect(Object.keys(written)).toContain(path.join('handlers', 'index.ts'));
  expect(written).toEqual(snapshot(run.cli));
}

it('prints the demo spec as asyncapi-sse generate does, byte for byte', async () => {
  expectSameFiles(await bothWays(path.join(REPO_ROOT, 'asyncapi.yaml')));
}, 120_000);

describeExamples('the shared Gitter example', () => {
  let run: { template: string; cli: string };
  beforeAll(async () => {
    run = await bothWays(path.join(EXAMPLES, 'gitter-streaming-asyncapi.yml'));
  }, 120_000);

  it('prints it as asyncapi-sse generate does, byte for byte', () => expectSameFiles(run));
});
