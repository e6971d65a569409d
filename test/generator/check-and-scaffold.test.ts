/** --check, determinism, scaffold-once handlers and usage errors. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TICKER_SPEC, generate, removeDir, scratchProject, shown, snapshot } from './helpers.js';

const SPEC = TICKER_SPEC;

const PLACE_ORDER = `  placeOrder:
    action: receive
    channel:
      $ref: '#/channels/orders'
    messages:
      - $ref: '#/channels/orders/messages/order'
`;

/** The ticker plus a receive operation. */
const WITH_ORDER = SPEC.replace('components:\n', `${PLACE_ORDER}components:\n`);

let dir: string;
let spec: string;
let out: string;
let handlers: string;
let args: string[];

beforeAll(async () => {
  ({ dir, spec, out, handlers, args } = scratchProject('check', SPEC));
  const first = await generate(...args);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/^14 written, 0 unchanged, 2 scaffolded in \d+\.\d\ds$/m);
});

afterAll(() => removeDir(dir));

describe('determinism and --check', () => {
  it('changes no byte on a second run', async () => {
    const before = snapshot(dir);
    const second = await generate(...args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^0 written, 14 unchanged, 0 scaffolded in /m);
    expect(snapshot(dir)).toEqual(before);
  });

  it('passes --check when the output is current', async () => {
    const check = await generate(...args, '--check');
    expect(check.code).toBe(0);
  });

  it('fails --check naming an edited file, and writes nothing', async () => {
    const types = path.join(out, 'types.ts');
    const original = readFileSync(types, 'utf8');
    writeFileSync(types, `${original}// edited by hand\n`);
    const before = snapshot(dir);
    const check = await generate(...args, '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`stale: ${shown(types)}`);
    expect(snapshot(dir)).toEqual(before);
    await generate(...args);
    expect(readFileSync(types, 'utf8')).toBe(original);
  });

  it('fails --check when the spec changed since the last run', async () => {
    writeFileSync(spec, WITH_ORDER);
    try {
      const check = await generate(...args, '--check');
      expect(check.code).toBe(1);
      expect(check.stderr).toContain(`stale: ${shown(path.join(out, 'server.ts'))}`);
      expect(check.stdout).toContain(`missing handler ${shown(path.join(handlers, 'placeOrder.ts'))}`);
    } finally {
      writeFileSync(spec, SPEC);
    }
  });

  it("passes --check for the repo's own asyncapi.yaml and generated/", async () => {
    expect(process.cwd()).toBe(path.resolve(REPO_ROOT));
    const check = await generate('--check');
    expect(check.stderr).not.toContain('stale:');
    expect(check.code).toBe(0);
  });
});

describe('handlers are scaffolded once', () => {
  it('keeps an edited handler, scaffolds a missing one and lists orphans', async () => {
    const stub = path.join(handlers, 'streamPrices.ts');
    const edited = `${readFileSync(stub, 'utf8')}// my implementation\n`;
    writeFileSync(stub, edited);

    writeFileSync(spec, WITH_ORDER);
    const added = await generate(...args);
    expect(added.code).toBe(0);
    expect(readFileSync(stub, 'utf8')).toBe(edited);
    expect(added.stdout).toContain(`scaffolded ${shown(path.join(handlers, 'placeOrder.ts'))}`);
    expect(readFileSync(path.join(handlers, 'placeOrder.ts'), 'utf8')).toContain("Handlers['placeOrder']");

    writeFileSync(spec, SPEC);
    const removed = await generate(...args);
    expect(removed.stdout).toContain(`orphaned handler ${shown(path.join(handlers, 'placeOrder.ts'))}: no operation uses it`);
    expect(readFileSync(stub, 'utf8')).toBe(edited);

    rmSync(stub);
    const restored = await generate(...args);
    expect(restored.stdout).toContain(`scaffolded ${shown(stub)}`);
  });
});

describe('usage', () => {
  it('exits 2 on an unknown option', async () => {
    const run = await generate('--sepc', 'x.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/usage: asyncapi-sse generate/);
  });

  it('exits 2 when --check and --watch are combined', async () => {
    expect((await generate('--check', '--watch')).code).toBe(2);
  });

  it('exits 1 when the spec file does not exist', async () => {
    const run = await generate('--spec', path.join(dir, 'missing.yaml'), '--out', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/missing\.yaml:1:1 error spec file not found \(spec-not-found\)/);
  });
});
