/**
 * Resolves the local `$ref`s the parser leaves unresolved. Its resolver writes results with
 * lodash `set`, which refuses the keys `constructor` and `prototype` (a guard against prototype
 * pollution), so everything below an operation or channel named `constructor` stays `{ $ref }`.
 */
import { isObject } from './schemas.js';

/** Replaces every remaining `{ $ref: '#/…' }` in the parsed document by the object it points to. */
export function resolveSkippedRefs(document: unknown): void {
  const visited = new Set<object>();
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || visited.has(value)) return;
    visited.add(value);
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
    for (const [key, child] of entries) {
      const target = localTarget(document, child);
      if (target !== undefined) (value as Record<string | number, unknown>)[key] = target;
      walk(target ?? child);
    }
  };
  walk(document);
}

/** What a local `$ref` object points to, following chains; undefined for anything else. */
function localTarget(document: unknown, value: unknown, depth = 0): unknown {
  if (!isObject(value) || typeof value.$ref !== 'string' || !value.$ref.startsWith('#/') || depth > 32) return undefined;
  let target: unknown = document;
  for (const token of value.$ref.slice(2).split('/')) {
    const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(target) && !Array.isArray(target)) return undefined;
    if (!Object.hasOwn(target, key)) return undefined;
    target = (target as Record<string, unknown>)[key];
  }
  return localTarget(document, target, depth + 1) ?? target;
}
