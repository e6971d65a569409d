/**
 * A folder of standalone ajv validators compiled by an earlier run (`node_modules/.cache/asyncapi-sse`,
 * or `ASYNCAPI_SSE_CACHE_DIR`). Each file is CommonJS exporting one validate function; its name
 * carries a hash of the installed versions it was compiled from, so an upgrade compiles anew.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
/** The `node_modules` folder holding the ajv this package uses: the project's, whether run from source or installed. */
const NODE_MODULES = path.dirname(path.dirname(require.resolve('ajv/package.json')));

/** The cache file of one validator, for the given description of the installed versions. */
export function cacheFileOf(name: string, installed: string): string {
  const dir = process.env.ASYNCAPI_SSE_CACHE_DIR ?? path.join(NODE_MODULES, '.cache/asyncapi-sse');
  const key = createHash('sha256').update(installed).digest('hex').slice(0, 16);
  return path.join(dir, `${name}-${key}.cjs`);
}

/**
 * Writes standalone validator code to the cache (atomically: a reader never sees half a file)
 * and loads it. `from`: the `require` that resolves the ajv runtime the code was compiled with.
 */
export function storeInCache(file: string, code: string, from: NodeRequire = require): ValidateFunction | null {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, file);
    return loadValidator(file, from);
  } catch {
    // An unwritable cache only costs speed: ajv compiles as usual.
    return null;
  }
}

export function loadCached(file: string, from: NodeRequire = require): ValidateFunction | null {
  if (!existsSync(file)) return null;
  try {
    return loadValidator(file, from);
  } catch {
    // A damaged cache file is compiled again.
    return null;
  }
}

/**
 * Evaluates a cached module with a `require` of the installed packages: the cache folder may lie
 * outside the project (`ASYNCAPI_SSE_CACHE_DIR`), where the ajv runtime it requires would not resolve.
 */
function loadValidator(file: string, from: NodeRequire): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', readFileSync(file, 'utf8'))(module, module.exports, from);
  return module.exports as ValidateFunction;
}
