/**
 * The parser checks every document against the AsyncAPI JSON Schema of its version, and ajv
 * compiling that schema (twice: as written and with `$ref`s resolved) takes most of a run.
 * The first run compiles each of those validators once more as standalone code, with the same
 * ajv and the options the parser's linter uses, and keeps it in the validator cache
 * (cache-folder.ts), keyed by the installed versions of ajv, the parser and the AsyncAPI
 * schemas. Later runs hand ajv that code instead
 * of compiling the same schema object again. Everything else (which rules run, how errors
 * become diagnostics) stays the parser's own, so the diagnostics are the same.
 */
import { createRequire } from 'node:module';
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import ajvErrors from 'ajv-errors';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { cacheFileOf, loadCached, storeInCache } from './cache-folder.js';
import { reuseOrUndefined } from './validator-caches.js';

/** AsyncAPI versions whose structure validators are cached; others compile every run. */
const VERSIONS = ['3.0.0', '3.1.0'] as const;

const require = createRequire(import.meta.url);
const parserRequire = createRequire(require.resolve('@asyncapi/parser'));

interface ParserInternals {
  getSchema(formats: Set<unknown>, resolved: boolean): { $id: string } | undefined;
  formatOf(version: string): unknown;
}

/**
 * The parser's own schema objects (its cache hands the linter these very objects). Imported by
 * name, not by path from the parser's folder, so that a bundle of the CLI reaches the parser
 * it bundled rather than a second copy.
 */
async function parserInternals(): Promise<ParserInternals> {
  const { default: documentStructure } = await import('@asyncapi/parser/cjs/ruleset/functions/documentStructure.js');
  const { default: asyncapiFormats } = await import('@asyncapi/parser/cjs/ruleset/formats.js');
  return {
    getSchema: (docFormats, resolved) => documentStructure.getSchema(docFormats as Parameters<typeof documentStructure.getSchema>[0], resolved) as { $id: string } | undefined,
    formatOf: (version) => asyncapiFormats.AsyncAPIFormats.find(version),
  };
}

/** Versions of everything the compiled code depends on: the cache key. */
function dependencyVersions(): string {
  const version = (pkg: string, from = require) => (from(`${pkg}/package.json`) as { version: string }).version;
  return `ajv ${version('ajv')}, @asyncapi/parser ${version('@asyncapi/parser')}, @asyncapi/specs ${version('@asyncapi/specs', parserRequire)}`;
}

type Variant = 'resolved' | 'unresolved';

/**
 * Standalone CommonJS code exporting `validate` for one structure schema. One ajv instance per
 * schema, as in the linter: both variants hold sub-schemas under the same `$id`s.
 */
export function structureValidatorCode({ getSchema, formatOf }: ParserInternals, version: string, variant: Variant): string {
  const schema = getSchema(new Set([formatOf(version)]), variant === 'resolved');
  if (!schema) throw new Error(`the parser has no schema for AsyncAPI ${version}`);
  // The options @stoplight/spectral-functions gives the instance that validates with allErrors.
  const ajv = new Ajv({ allErrors: true, meta: true, messages: true, strict: false, allowUnionTypes: true, unicodeRegExp: false, logger: false, code: { source: true } });
  addFormats.default(ajv);
  ajvErrors.default(ajv);
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
export async function useCachedStructureValidators(): Promise<void> {
  // Once per process, however many times this module is loaded (test runners load it per file).
  if (Ajv.prototype.compile.name === 'compileOrReuse') return;
  const internals = await parserInternals();
  const { getSchema, formatOf } = internals;
  const installed = dependencyVersions();
  const loaded = new Map<string, ValidateFunction | null>();
  const cached = (schema: unknown): ValidateFunction | undefined => {
    const id = typeof schema === 'object' && schema !== null ? (schema as { $id?: unknown }).$id : undefined;
    const match = typeof id === 'string' ? /\/definitions\/(\d+\.\d+\.\d+)\/asyncapi-(resolved|unresolved)\.json$/.exec(id) : null;
    if (!match || !(VERSIONS as readonly string[]).includes(match[1]!)) return undefined;
    const [, version, variant] = match as unknown as [string, string, Variant];
    if (getSchema(new Set([formatOf(version)]), variant === 'resolved') !== schema) return undefined;
    const file = cacheFileOf(`structure-${version}-${variant}`, installed);
    if (!loaded.has(file)) loaded.set(file, loadCached(file) ?? storeInCache(file, structureValidatorCode(internals, version, variant)));
    return loaded.get(file) ?? undefined;
  };
  const compile = Ajv.prototype.compile;
  Ajv.prototype.compile = function compileOrReuse(this: Ajv, schema: AnySchema, meta?: boolean) {
    const reused = this.opts.allErrors === true ? reuseOrUndefined(() => cached(schema)) : undefined;
    return (reused ?? compile.call(this, schema, meta)) as ReturnType<typeof compile>;
  } as typeof compile;
}
