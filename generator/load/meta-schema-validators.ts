/**
 * Every Ajv instance compiles the meta-schemas it checks schemas against (draft-07 for the
 * parser's and Spectral's instances, 2020-12 for Spectral's ruleset check, the meta-schemas of
 * keywords such as ajv-errors' `errorMessage`): ten compiles and about 0.35 s of a run. The
 * first run keeps each compiled meta-schema validator in the validator cache (cache-folder.ts),
 * keyed by everything its code is made from: the installed ajv packages, the instance's class,
 * the meta-schemas it holds, its options, formats and keywords. A later run whose instance
 * matches that key exactly hands ajv the cached code; any other instance compiles as before.
 * Schemas are still checked against the same meta-schemas.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { cacheFileOf, loadCached, storeInCache } from './cache-folder.js';
import { reuseOrUndefined } from './validator-caches.js';

const ownRequire = createRequire(import.meta.url);
const spectralRequire = createRequire(createRequire(ownRequire.resolve('@asyncapi/parser')).resolve('@stoplight/spectral-core'));

/** The fields of a SchemaEnv and an Ajv instance (ajv/dist/core) the cache reads and writes. */
interface MetaSchemaEnv {
  schema: unknown;
  meta?: boolean;
  validate?: ValidateFunction;
}
interface AjvInternals {
  constructor: { name: string };
  opts: object;
  _metaOpts: { code: { source?: boolean } };
  schemas: Record<string, MetaSchemaEnv | undefined>;
  formats: Record<string, unknown>;
  RULES: { all: Record<string, unknown> };
  _compileMetaSchema(sch: MetaSchemaEnv): void;
}

function installedVersions(): string {
  const version = (pkg: string) => (ownRequire(`${pkg}/package.json`) as { version: string }).version;
  return `ajv ${version('ajv')}, ajv-formats ${version('ajv-formats')}, ajv-errors ${version('ajv-errors')}`;
}

/**
 * A JSON.stringify replacer describing an instance: functions and regular expressions by their
 * source, an object met again by a mark (ajv's URI resolver refers to itself), the logger (it
 * makes no code) left out.
 */
function instanceDescriber(): (key: string, value: unknown) => unknown {
  const met = new WeakSet<object>();
  return (key, value) => {
    if (key === 'logger') return undefined;
    if (typeof value === 'function' || value instanceof RegExp) return String(value);
    if (typeof value !== 'object' || value === null) return value;
    if (met.has(value)) return '[met before]';
    met.add(value);
    return value;
  };
}

/** Everything the code of a meta-schema validator compiled by this instance is made from. */
function instanceKey(ajv: AjvInternals, sch: MetaSchemaEnv, installed: string): string {
  const metaSchemas = Object.entries(ajv.schemas)
    .filter(([, env]) => env?.meta)
    .map(([id, env]) => [id, env!.schema]);
  const described = JSON.stringify([installed, ajv.constructor.name, sch.schema, metaSchemas, ajv._metaOpts, ajv.formats, ajv.RULES.all], instanceDescriber());
  return createHash('sha256').update(described).digest('hex');
}

/**
 * Makes every Ajv class (they share ajv's core) use cached meta-schema validators, compiling
 * each into the cache on first use, with source kept for that compile only.
 */
export async function useCachedMetaSchemaValidators(): Promise<void> {
  // The classes' shared base, reached through the class imported by name, so that a bundle of
  // the CLI patches the copy it bundled.
  const core = Object.getPrototypeOf(Ajv.prototype) as AjvInternals;
  // Should Spectral have an ajv of its own, its instances are not patched here: no cache for them.
  if (spectralRequire.resolve('ajv/dist/core') !== ownRequire.resolve('ajv/dist/core')) return;
  // Once per process, however many times this module is loaded (test runners load it per file).
  if (core._compileMetaSchema.name === 'compileOrReuseMetaSchema') return;
  const installed = installedVersions();
  const loaded = new Map<string, ValidateFunction | null>();
  const compileMetaSchema = core._compileMetaSchema;
  core._compileMetaSchema = function compileOrReuseMetaSchema(this: AjvInternals, sch: MetaSchemaEnv) {
    // An instance that keeps source is writing standalone code, which must include this validator's.
    if (this._metaOpts.code.source === true) return compileMetaSchema.call(this, sch);
    const file = reuseOrUndefined(() => cacheFileOf('meta-schema', instanceKey(this, sch, installed)));
    if (!file) return compileMetaSchema.call(this, sch);
    if (!loaded.has(file)) loaded.set(file, loadCached(file, ownRequire));
    const cached = loaded.get(file);
    if (cached) {
      cached.errors = null;
      Object.assign(cached, { schema: sch.schema, schemaEnv: sch });
      sch.validate = cached;
      return;
    }
    // Standalone code needs the source of this compile; the instance's other compiles keep none.
    const { opts, _metaOpts: metaOpts } = this;
    this._metaOpts = { ...metaOpts, code: { ...metaOpts.code, source: true } };
    let source: string | undefined;
    try {
      compileMetaSchema.call(this, sch);
      this.opts = this._metaOpts;
      const validate = sch.validate;
      source = validate && reuseOrUndefined(() => standaloneCode.default(this as never, validate));
    } finally {
      this.opts = opts;
      this._metaOpts = metaOpts;
    }
    loaded.set(file, source ? storeInCache(file, `// A meta-schema validator, compiled from ${installed}.\n${source}\n`, ownRequire) : null);
  };
}
