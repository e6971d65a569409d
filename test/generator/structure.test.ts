/**
 * The AsyncAPI structure validators the generator keeps in its cache folder report exactly what
 * a fresh compile reports: a run with an empty cache and a run with a filled one print the same
 * diagnostics for a broken spec, and the valid demo spec passes both. The caches are the commands'
 * own: a program that only imports the generator's modules keeps ajv as it found it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';

const BROKEN_STRUCTURE = `asyncapi: 3.0.0
info:
  title: Broken
  version: 1.0.0
channels:
  prices:
    address: /prices
    messages:
      tick:
        payload:
          type: object
operations:
  streamPrices:
    action: shout
    channel:
      $ref: '#/channels/prices'
`;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'asyncapi-sse-structure-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `--check`s the spec in a fresh process; `preload`: a module run first (`node --import`). */
async function checkSpec(spec: string, cacheDir: string, preload?: string): Promise<{ code: number; stderr: string }> {
  const args = [...(preload ? ['--import', preload] : []), '--import', 'tsx/esm', 'generator/commands/generate.ts', '--check', '--spec', spec, '--out', path.join(scratch, 'out'), '--handlers', path.join(scratch, 'handlers')];
  try {
    await promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ASYNCAPI_SSE_CACHE_DIR: cacheDir } });
    return { code: 0, stderr: '' };
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
}

/** Each cached validator with the time it was last written. */
function cacheFiles(cacheDir: string): Array<[string, number]> {
  return readdirSync(cacheDir)
    .filter((f) => f.endsWith('.cjs'))
    .sort()
    .map((f) => [f, statSync(path.join(cacheDir, f)).mtimeMs]);
}

describe('cached AsyncAPI structure validators', () => {
  it('report the same diagnostics with an empty cache and a filled one', async () => {
    const cacheDir = path.join(scratch, 'cache');
    const spec = path.join(scratch, 'broken.yaml');
    writeFileSync(spec, BROKEN_STRUCTURE);

    const cold = await checkSpec(spec, cacheDir);
    const filled = cacheFiles(cacheDir);
    expect(filled.length).toBeGreaterThan(0);
    const warm = await checkSpec(spec, cacheDir);

    // The filled cache (outside the project, where the ajv runtime does not resolve) is used, not rewritten.
    expect(cacheFiles(cacheDir)).toEqual(filled);
    expect(cold.code).toBe(1);
    expect(cold.stderr).toMatch(/broken\.yaml:14:\d+ error .*action/);
    expect(warm).toEqual(cold);
  }, 60_000);

  it('accept a valid spec from a filled cache', async () => {
    const cacheDir = path.join(scratch, 'cache');
    const result = await checkSpec(path.join(REPO_ROOT, 'bench/bench-asyncapi.yaml'), cacheDir);
    expect(result.stderr).not.toMatch(/ error /);
  }, 60_000);

  it('step aside when the parser internals they reach for have moved: same diagnostics, valid specs still pass', async () => {
    const spec = path.join(scratch, 'broken.yaml');
    writeFileSync(spec, BROKEN_STRUCTURE);
    const moved = fileURLToPath(new URL('./moved-internals.mjs', import.meta.url));
    const normal = await checkSpec(spec, path.join(scratch, 'normal-cache'));
    const fallback = await checkSpec(spec, path.join(scratch, 'moved-cache'), moved);
    expect(fallback.code).toBe(1);
    expect(fallback).toEqual(normal);
    const valid = await checkSpec(path.join(REPO_ROOT, 'bench/bench-asyncapi.yaml'), path.join(scratch, 'moved-cache'), moved);
    expect(valid.stderr).not.toMatch(/ error /);
    // Nothing was cached for the structure validators: ajv compiled them as usual.
    expect(cacheFiles(path.join(scratch, 'moved-cache')).map(([file]) => file).filter((f) => f.startsWith('structure-'))).toEqual([]);
  }, 240_000);

  it('compile anew from damaged cache files, with the same diagnostics', async () => {
    const spec = path.join(scratch, 'broken.yaml');
    writeFileSync(spec, BROKEN_STRUCTURE);
    const cacheDir = path.join(scratch, 'damaged-cache');
    const fresh = await checkSpec(spec, cacheDir);
    for (const [file] of cacheFiles(cacheDir)) writeFileSync(path.join(cacheDir, file), 'throw new Error("damaged");\n');
    expect(await checkSpec(spec, cacheDir)).toEqual(fresh);
  }, 240_000);
});

/**
 * Imports `modules` in a fresh process and tells, for the project's Ajv and Spectral's, whether
 * `compile` is still the function the class had before the import, and whether ajv's
 * meta-schema compile is.
 */
async function compileUntouchedAfterImporting(modules: string[]): Promise<Record<string, boolean>> {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(${JSON.stringify(path.join(REPO_ROOT, 'generator/package.json'))});
    const spectralRequire = createRequire(createRequire(require.resolve('@asyncapi/parser')).resolve('@stoplight/spectral-core'));
    const classes = { ajv: require('ajv').Ajv, spectral: spectralRequire('ajv/dist/2020').Ajv2020 };
    const methods = { ajv: [classes.ajv.prototype, 'compile'], spectral: [classes.spectral.prototype, 'compile'], metaSchemas: [Object.getPrototypeOf(classes.ajv.prototype), '_compileMetaSchema'] };
    const before = Object.fromEntries(Object.entries(methods).map(([name, [proto, method]]) => [name, proto[method]]));
    for (const file of ${JSON.stringify(modules)}) await import(file);
    console.log(JSON.stringify(Object.fromEntries(Object.entries(methods).map(([name, [proto, method]]) => [name, proto[method] === before[name]]))));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '--eval', script], { cwd: REPO_ROOT });
  return JSON.parse(stdout) as Record<string, boolean>;
}

describe('the parser speed-up', () => {
  it('is not installed by importing the load stage or the pipeline (as the @asyncapi/generator template does)', async () => {
    const modules = ['generator/load/load.ts', 'generator/pipeline.ts'].map((file) => path.join(REPO_ROOT, file));
    expect(await compileUntouchedAfterImporting(modules)).toEqual({ ajv: true, spectral: true, metaSchemas: true });
  }, 60_000);
});
