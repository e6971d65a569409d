/**
 * The parser checks every document against the AsyncAPI JSON Schema of its version, and ajv
 * compiling that schema (twice: as written and with `$ref`s resolved) takes most of a run.
 * The first run compiles each of those validators once more as standalone code, with the same
 * ajv and the options the parser's linter uses, and keeps it in a cache folder
 * (`node_modules/.cache/asyncapi-sse`, or `ASYNCAPI_SSE_CACHE_DIR`), keyed by the installed
 * versions of ajv, the parser and the AsyncAPI schemas. Later runs hand ajv that code instead
 * of compiling the same schema object again. Everything else (which rules run, how errors
 * become diagnostics) stays the parser's own, so the diagnostics are the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';

/** AsyncAPI versions whose structure validators are cached; others compile every run. */
const VERSIONS = ['3.0.0', '3.1.0'] as const;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const parserRequire = createRequire(require.resolve('@asyncapi/parser'));

interface ParserInternals {
  getSchema(formats: Set<unknown>, resolved: boolean): { $id: string } | undefined;
  formatOf(version: string): unknown;
}

/** The parser's own schema objects (its cache hands the linter these very objects). */
function parserInternals(): ParserInternals {
  const { getSchema } = parserRequire('./ruleset/functions/documentStructure.js') as Pick<ParserInternals, 'getSchema'>;
  const { AsyncAPIFormats } = parserRequire('./ruleset/formats.js') as { AsyncAPIFormats: { find(version: string): unknown } };
  return { getSchema, formatOf: (version) => AsyncAPIFormats.find(version) };
}

/** Versions of everything the compiled code depends on: the cache key. */
function dependencyVersions(): string {
  const version = (pkg: string, from = require) => (from(`${pkg}/package.json`) as { version: string }).version;
  return `ajv ${version('ajv')}, @asyncapi/parser ${version('@asyncapi/parser')}, @asyncapi/specs ${version('@asyncapi/specs', parserRequire)}`;
}

type Variant = 'resolved' | 'unresolved';

function cacheFileOf(version: string, variant: Variant, installed: string): string {
  const dir = process.env.ASYNCAPI_SSE_CACHE_DIR ?? path.resolve(HERE, '../node_modules/.cache/asyncapi-sse');
  const key = createHash('sha256').update(installed).digest('hex').slice(0, 16);
  return path.join(dir, `structure-${version}-${variant}-${key}.cjs`);
}

/** Writes the standalone validator to the cache (atomically: a reader never sees half a file) and loads it. */
function compileIntoCache(file: string, version: string, variant: Variant): ValidateFunction | null {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, structureValidatorCode(version, variant));
    renameSync(partial, file);
    return loadValidator(file);
  } catch {
    // An unwritable cache only costs speed: ajv compiles as usual.
    return null;
  }
}

/**
 * Evaluates a cached module with this module's `require`: the cache folder may lie outside the
 * project (`ASYNCAPI_SSE_CACHE_DIR`), where the ajv runtime it requires would not resolve.
 */
function loadValidator(file: string): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', readFileSync(file, 'utf8'))(module, module.exports, require);
  return module.exports as ValidateFunction;
}

function loadCached(file: string): ValidateFunction | null {
  if (!existsSync(file)) return null;
  try {
    return loadValidator(file);
  } catch {
    // A damaged cache file is compiled again.
    return null;
  }
}

/**
 * Standalone CommonJS code exporting `validate` for one structure schema. One ajv instance per
 * schema, as in the linter: both variants hold sub-schemas under the same `$id`s.
 */
export function structureValidatorCode(version: string, variant: Variant): string {
  const { getSchema, formatOf } = parserInternals();
  const schema = getSchema(new Set([formatOf(version)]), variant === 'resolved');
  if (!schema) throw new Error(`the parser has no schema for AsyncAPI ${version}`);
  // The options @stoplight/spectral-functions gives the instance that validates with allErrors.
  const ajv = new Ajv({ allErrors: true, meta: true, messages: true, strict: false, allowUnionTypes: true, unicodeRegExp: false, logger: false, code: { source: true } });
  addFormats.default(ajv);
  (require('ajv-errors') as (ajv: Ajv) => Ajv)(ajv);
  ajv.addSchema(require('@stoplight/spectral-functions/dist/schema/draft4.json') as AnySchema);
  ajv.addSchema(require('ajv/dist/refs/json-schema-draft-06.json') as AnySchema);
  // A copy: the parser's own object is the one whose compile this code stands in for.
  const code = standaloneCode.default(ajv, ajv.compile(structuredClone(schema) as AnySchema));
  return `// AsyncAPI ${version} structure validator (${variant}), compiled from ${dependencyVersions()}.\n${code}\n`;
}

/**
 * Makes ajv use the cached validators for the parser's structure schemas, compiling them into
 * the cache on first use. Only those exact schema objects are affected; every other compile
 * goes through as before.
 */
export function useCachedStructureValidators(): void {
  // Once per process, however many times this module is loaded (test runners load it per file).
  if (Ajv.prototype.compile.name === 'compileOrReuse') return;
  const { getSchema, formatOf } = parserInternals();
  const installed = dependencyVersions();
  const loaded = new Map<string, ValidateFunction | null>();
  const cached = (schema: unknown): ValidateFunction | undefined => {
    const id = typeof schema === 'object' && schema !== null ? (schema as { $id?: unknown }).$id : undefined;
    const match = typeof id === 'string' ? /\/definitions\/(\d+\.\d+\.\d+)\/asyncapi-(resolved|unresolved)\.json$/.exec(id) : null;
    if (!match || !(VERSIONS as readonly string[]).includes(match[1]!)) return undefined;
    const [, version, variant] = match as unknown as [string, string, Variant];
    if (getSchema(new Set([formatOf(version)]), variant === 'resolved') !== schema) return undefined;
    const file = cacheFileOf(version, variant, installed);
    if (!loaded.has(file)) loaded.set(file, loadCached(file) ?? compileIntoCache(file, version, variant));
    return loaded.get(file) ?? undefined;
  };
  const compile = Ajv.prototype.compile;
  Ajv.prototype.compile = function compileOrReuse(this: Ajv, schema: AnySchema, meta?: boolean) {
    const reused = this.opts.allErrors === true ? cached(schema) : undefined;
    return (reused ?? compile.call(this, schema, meta)) as ReturnType<typeof compile>;
  } as typeof compile;
}
