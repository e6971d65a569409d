/**
 * Every broken spec fails with exit 1, a `file:line:col` diagnostic at the offending line, no
 * stack trace, and leaves --out and --handlers exactly as they were.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TICKER_SPEC, generate, lineOf, removeDir, scratchProject, shown, snapshot } from './helpers.js';

/** The ticker, with a property whose schema sits in a second file. */
const VALID = `${TICKER_SPEC}        price:
          $ref: './price.yaml#/Price'
`;

const PRICE = `Price:
  type: number
  minimum: 0
`;

let dir: string;
let spec: string;
let args: string[];
let before: Record<string, string>;

beforeAll(async () => {
  ({ dir, spec, args } = scratchProject('broken', VALID));
  writeFileSync(path.join(dir, 'price.yaml'), PRICE);
  const first = await generate(...args);
  expect(first.code, first.stderr).toBe(0);
  before = snapshot(dir);
});

afterAll(() => removeDir(dir));

/** Writes the broken files, runs generate, and checks the common promises. */
async function expectFailure(files: { spec?: string; price?: string }) {
  writeFileSync(spec, files.spec ?? VALID);
  writeFileSync(path.join(dir, 'price.yaml'), files.price ?? PRICE);
  const run = await generate(...args);
  const after = snapshot(dir);
  writeFileSync(spec, VALID);
  writeFileSync(path.join(dir, 'price.yaml'), PRICE);
  expect(run.code).toBe(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(after).toEqual({ ...before, 'asyncapi.yaml': after['asyncapi.yaml'], 'price.yaml': after['price.yaml'] });
  return run;
}

describe('broken specs', () => {
  it('reports a YAML syntax error at its line', async () => {
    const broken = VALID.replace('  version: 1.0.0', '   version: 1.0.0 # broken');
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(new RegExp(`^${shown(spec)}:${lineOf(broken, '# broken')}:\\d+ error `, 'm'));
  });

  it('reports a dangling $ref where the $ref is written', async () => {
    const broken = VALID.replace("$ref: '#/components/schemas/Tick'", "$ref: '#/components/schemas/Missing' # broken");
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(new RegExp(`^${shown(spec)}:${lineOf(broken, '# broken')}:\\d+ error .*Missing.* \\(invalid-ref\\)$`, 'm'));
  });

  it('reports a dangling $ref inside a referenced file in that file', async () => {
    const price = `${PRICE}  not: { $ref: '#/Nowhere' } # broken\n`;
    const run = await expectFailure({ price });
    const priceFile = shown(path.join(dir, 'price.yaml'));
    expect(run.stderr).toMatch(new RegExp(`^${priceFile}:${lineOf(price, '# broken')}:\\d+ error .*Nowhere.* \\(invalid-ref\\)$`, 'm'));
  });

  it('reports a wrong schema type at its line', async () => {
    const broken = VALID.replace('          type: string', '          type: strng # broken');
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(new RegExp(`^${shown(spec)}:${lineOf(broken, '# broken')}:\\d+ error `, 'm'));
  });

  it('reports a pattern that is not a regular expression at its line', async () => {
    const broken = VALID.replace('          type: string\n', "          type: string\n          pattern: '([' # broken\n");
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(new RegExp(`^${shown(spec)}:${lineOf(broken, '# broken')}:\\d+ error Invalid regular expression.* \\(invalid-schema\\)$`, 'm'));
  });

  it('reports an unknown x-sse- key at its line and column', async () => {
    const broken = VALID.replace('    x-sse-heartbeat: 5000', '    x-sse-heartbeats: 5000');
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(
      new RegExp(`^${shown(spec)}:${lineOf(broken, 'x-sse-heartbeats')}:5 error unknown extension "x-sse-heartbeats".*\\(unknown-sse-extension\\)$`, 'm'),
    );
  });

  it('reports an x-sse- value of the wrong type at its line', async () => {
    const broken = VALID.replace('    x-sse-heartbeat: 5000', '    x-sse-heartbeat: soon');
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(new RegExp(`^${shown(spec)}:${lineOf(broken, 'x-sse-heartbeat')}:5 error "x-sse-heartbeat" value must be integer`, 'm'));
  });

  it('reports an x-sse- value of the wrong type inside an operation trait at the trait', async () => {
    const broken = VALID.replace('    x-sse-heartbeat: 5000\n', "    traits:\n      - $ref: '#/components/operationTraits/slow'\n").replace(
      'components:\n',
      'components:\n  operationTraits:\n    slow:\n      x-sse-heartbeat: -1 # broken\n',
    );
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(new RegExp(`^${shown(spec)}:${lineOf(broken, '# broken')}:7 error "x-sse-heartbeat" value must be >= 1`, 'm'));
  });

  it('reports two operations on the same method and path at the second one', async () => {
    const broken = VALID.replace(
      'components:\n',
      `  streamPricesAgain:
    action: send
    channel:
      $ref: '#/channels/prices'
    messages:
      - $ref: '#/channels/prices/messages/tick'
components:
`,
    );
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(
      new RegExp(`^${shown(spec)}:${lineOf(broken, 'streamPricesAgain:')}:3 error operation "streamPricesAgain" maps to GET /prices, already used by operation "streamPrices" \\(duplicate-route\\)$`, 'm'),
    );
  });

  it('refuses an AsyncAPI 2.x document, pointing at its version', async () => {
    const broken = VALID.replace('asyncapi: 3.0.0', 'asyncapi: 2.6.0')
      .replace(/channels:[\s\S]*$/, 'channels:\n  prices:\n    subscribe:\n      message:\n        payload:\n          type: string\n');
    const run = await expectFailure({ spec: broken });
    expect(run.stderr).toMatch(new RegExp(`^${shown(spec)}:1:1 error AsyncAPI 2.6.0 is not supported.*\\(unsupported-version\\)$`, 'm'));
  });

  it('exits 1 from the real command line, without a stack trace', async () => {
    const broken = VALID.replace('    x-sse-heartbeat: 5000', '    x-sse-nope: 1');
    writeFileSync(spec, broken);
    const cli = path.join(REPO_ROOT, 'generator/commands/generate.ts');
    const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
    const result = await promisify(execFile)(tsx, [cli, ...args]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    writeFileSync(spec, VALID);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(unknown-sse-extension)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
