/**
 * Breaking changes between two versions of one JSON Schema, seen from a client shipped against
 * the old one. What the client sends (`input`) breaks when the schema accepts less: a field
 * removed or newly required, a type or enum narrowed. What it receives (`output`) breaks when it
 * may get what it was not built for: a field removed or no longer required, a type or enum widened.
 */
import { isObject } from '../model/schemas.js';
import type { JsonPath } from '../load/sources.js';

export type Direction = 'input' | 'output';

export type SchemaChangeCode = 'removed-field' | 'newly-required-field' | 'no-longer-required-field' | 'narrowed-type' | 'widened-type' | 'narrowed-enum' | 'widened-enum';

export interface SchemaChange {
  code: SchemaChangeCode;
  message: string;
  /** Path of the change inside the schema; `side` says in which version it is written. */
  at: JsonPath;
  side: 'old' | 'new';
}

type Schema = Record<string, unknown>;

export function compareSchemas(before: unknown, after: unknown, direction: Direction): SchemaChange[] {
  const changes: SchemaChange[] = [];
  walk(before, after, [], direction, changes);
  return changes;
}

function walk(before: unknown, after: unknown, at: JsonPath, direction: Direction, changes: SchemaChange[]): void {
  if (!isObject(before) || !isObject(after)) return;
  // Cycles are kept as `$ref`s in the bundled document: compared as written, not followed.
  if (typeof before.$ref === 'string' || typeof after.$ref === 'string') return;
  const add = (code: SchemaChangeCode, message: string, where: JsonPath, side: 'old' | 'new') => changes.push({ code, message, at: where, side });

  const oldTypes = typesOf(before);
  const newTypes = typesOf(after);
  const lost = oldTypes === undefined ? (newTypes ? ['any other'] : []) : newTypes ? oldTypes.filter((t) => !accepts(newTypes, t)) : [];
  const gained = newTypes === undefined ? (oldTypes ? ['any other'] : []) : oldTypes ? newTypes.filter((t) => !accepts(oldTypes, t)) : [];
  if (direction === 'input' && lost.length > 0) add('narrowed-type', `type no longer accepts ${lost.join(', ')}`, [...at, 'type'], 'new');
  if (direction === 'output' && gained.length > 0) add('widened-type', `type may now be ${gained.join(', ')}`, [...at, 'type'], 'new');

  const oldValues = enumOf(before);
  const newValues = enumOf(after);
  const key = (value: unknown) => JSON.stringify(value);
  if (direction === 'input' && newValues) {
    const dropped = oldValues ? oldValues.filter((v) => !newValues.some((n) => key(n) === key(v))) : undefined;
    if (!dropped) add('narrowed-enum', `only ${newValues.map(key).join(', ')} ${newValues.length === 1 ? 'is' : 'are'} accepted now`, [...at, enumKeyword(after)], 'new');
    else if (dropped.length > 0) add('narrowed-enum', `${dropped.map(key).join(', ')} no longer accepted`, [...at, enumKeyword(after)], 'new');
  }
  if (direction === 'output' && oldValues) {
    const added = newValues ? newValues.filter((v) => !oldValues.some((o) => key(o) === key(v))) : undefined;
    if (!added) add('widened-enum', `no longer limited to ${oldValues.map(key).join(', ')}`, [...at, enumKeyword(before)], 'old');
    else if (added.length > 0) add('widened-enum', `may now be ${added.map(key).join(', ')}`, [...at, enumKeyword(after)], 'new');
  }

  const oldProperties = propertiesOf(before);
  const newProperties = propertiesOf(after);
  const oldRequired = requiredOf(before);
  const newRequired = requiredOf(after);
  for (const [name, schema] of Object.entries(oldProperties)) {
    if (!(name in newProperties)) add('removed-field', `field "${name}" removed`, [...at, 'properties', name], 'old');
    else walk(schema, newProperties[name], [...at, 'properties', name], direction, changes);
  }
  if (direction === 'input') {
    for (const name of newRequired) {
      if (!oldRequired.includes(name)) add('newly-required-field', `field "${name}" is now required`, name in newProperties ? [...at, 'properties', name] : [...at, 'required'], 'new');
    }
  } else {
    for (const name of oldRequired) {
      if (!newRequired.includes(name) && name in newProperties) add('no-longer-required-field', `field "${name}" may now be absent`, [...at, 'properties', name], 'new');
    }
  }

  if (isObject(before.items) && isObject(after.items)) walk(before.items, after.items, [...at, 'items'], direction, changes);
  for (const keyword of ['oneOf', 'anyOf', 'allOf'] as const) {
    const oldBranches = before[keyword];
    const newBranches = after[keyword];
    if (Array.isArray(oldBranches) && Array.isArray(newBranches) && oldBranches.length === newBranches.length) {
      oldBranches.forEach((branch, i) => walk(branch, newBranches[i], [...at, keyword, i], direction, changes));
    }
  }
}

/** The JSON types a schema allows; undefined when it does not say. */
function typesOf(schema: Schema): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.map(String);
  return undefined;
}

/** `integer` values are numbers too. */
function accepts(types: string[], type: string): boolean {
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

function enumOf(schema: Schema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  if ('const' in schema) return [schema.const];
  return undefined;
}

function enumKeyword(schema: Schema): string {
  return Array.isArray(schema.enum) ? 'enum' : 'const';
}

function propertiesOf(schema: Schema): Schema {
  return isObject(schema.properties) ? schema.properties : {};
}

function requiredOf(schema: Schema): string[] {
  return Array.isArray(schema.required) ? schema.required.map(String) : [];
}
