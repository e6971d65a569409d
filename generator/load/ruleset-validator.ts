/**
 * Every new Parser makes Spectral check the parser's built-in ruleset against Spectral's
 * ruleset schema, and ajv compiling that schema costs a tenth of a second per run. The first
 * run keeps the compiled validator in the validator cache (cache-folder.ts), keyed by the
 * installed versions of ajv and Spectral; later runs hand Spectral that code instead. The
 * ruleset is still checked, with the same schema.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AnySchema, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { cacheFileOf, loadCached, storeInCache } from './cache-folder.js';
import { reuseOrUndefined } from './validator-caches.js';

const RULESET_SCHEMA_ID = '@stoplight/spectral-core/meta/ruleset.schema';

const ownRequire = createRequire(import.meta.url);
const parserRequire = createRequire(ownRequire.resolve('@asyncapi/parser'));
const spectralRequire = createRequire(parserRequire.resolve('@stoplight/spectral-core'));

/** Versions of everything the compiled code depends on, as Spectral resolves them: the cache key. */
function installedVersions(): string {
  const version = (pkg: string) => (spectralRequire(`${pkg}/package.json`) as { version: string }).version;
  // Spectral does not export its package.json; it lies next to the `dist` folder of its entry.
  const spectralPackage = path.resolve(path.dirname(parserRequire.resolve('@stoplight/spectral-core')), '../package.json');
  const spectral = (JSON.parse(readFileSync(spectralPackage, 'utf8')) as { version: string }).version;
  return `ajv ${version('ajv')}, ajv-formats ${version('ajv-formats')}, ajv-errors ${version('ajv-errors')}, @stoplight/spectral-core ${spectral}`;
}

/**
 * Makes Spectral's ajv (its draft 2020-12 class) use the cached ruleset validator, compiling it
 * into the cache on first use: the instance Spectral configured compiles it, with source kept.
 */
export async function useCachedRulesetValidator(): Promise<void> {
  // Imported by name, so that a bundle of the CLI patches the class it bundled for Spectral.
  const { Ajv2020: Ajv } = (await import('ajv/dist/2020.js')).default;
  // Should Spectral have an ajv of its own, that is not the class imported here: no cache.
  if (spectralRequire.resolve('ajv/dist/2020') !== ownRequire.resolve('ajv/dist/2020')) return;
  // Once per process, however many times this module is loaded (test runners load it per file).
  if (Ajv.prototype.compile.name === 'compileOrReuseRuleset') return;
  const installed = installedVersions();
  const file = cacheFileOf('spectral-ruleset', installed);
  let cached: ValidateFunction | null | undefined;
  const compile = Ajv.prototype.compile;
  Ajv.prototype.compile = function compileOrReuseRuleset(this: Ajv2020, schema: AnySchema, meta?: boolean) {
    const id = typeof schema === 'object' ? schema.$id : undefined;
    if (id !== RULESET_SCHEMA_ID) return compile.call(this, schema, meta);
    cached ??= reuseOrUndefined(() => loadCached(file, spectralRequire));
    if (cached) return cached;
    this.opts.code.source = true;
    const validate = compile.call(this, schema, meta);
    cached = reuseOrUndefined(() => storeInCache(file, `// Spectral's ruleset validator, compiled from ${installed}.\n${standaloneCode.default(this, validate)}\n`, spectralRequire));
    return validate;
  } as typeof compile;
}
