/**
 * TypeScript source text from typed values: string literals (single quotes, the one quoting
 * style of generated code), property keys, member access and JSON values as literals.
 */
import { isIdentifier } from '../model/names.js';

/** `text` as a single-quoted string literal; line breaks and separators escaped. */
export function str(text: string): string {
  const escaped = text.replace(/[\\'\n\r\u2028\u2029]/g, (c) => (c === '\\' || c === "'" ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return `'${escaped}'`;
}

/**
 * A property key in an object literal or type. `__proto__` is computed, because written plainly
 * it sets the object's prototype instead of a property.
 */
export function key(name: string): string {
  if (name === '__proto__') return `[${str(name)}]`;
  return isIdentifier(name) ? name : str(name);
}

/** `object.name`, or `object['order-feed.stream']` when the name is not an identifier. */
export function member(object: string, name: string): string {
  return isIdentifier(name) ? `${object}.${name}` : `${object}[${str(name)}]`;
}

/**
 * Whether a key names a member of `Object.prototype` (`toString`, `constructor`): TypeScript
 * types such a property of an object literal by that member, not by the index signature, so
 * its literal values need `as const` to keep their literal types.
 */
export function isInheritedKey(name: string): boolean {
  return name in Object.prototype;
}

/** A JSON value as a TypeScript literal. */
export function literal(value: unknown): string {
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${key(k)}: ${literal(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value ?? null);
}

/** A description as one safe line inside a JSDoc comment. */
export function commentLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');
}
