/**
 * Breaking changes between two versions of one JSON Schema, seen from a client shipped against
 * the old one. What the client sends (`input`) breaks when the schema accepts less: a field
 * removed or newly required, a type, enum or constraint narrowed, an object closed. What it
 * receives (`output`) breaks when it may get what it was not built for: a field removed or no
 * longer required, a type, enum or constraint widened, a field added to an object the old schema
 * closed (`additionalProperties: false`: an old client that validates refuses the whole event).
 */
import type { JsonPath } from '../load/sources.js';
import { patternRegExp } from '../model/patterns.js';
import { isObject } from '../model/schemas.js';

export type Direction = 'input' | 'output';

export type SchemaChangeCode =
  | 'removed-field'
  | 'newly-required-field'
  | 'no-longer-required-field'
  | 'narrowed-type'
  | 'widened-type'
  | 'narrowed-enum'
  | 'widened-enum'
  | 'narrowed-constraint'
  | 'widened-constraint'
  | 'added-field'
  | 'closed-object'
  | 'opened-object';

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

  compareConstraints(before, after, at, direction, add);
  compareClosedness(before, after, at, direction, add);

  if (isObject(before.items) && isObject(after.items)) walk(before.items, after.items, [...at, 'items'], direction, changes);
  for (const keyword of ['oneOf', 'anyOf', 'allOf'] as const) {
    const oldBranches = before[keyword];
    const newBranches = after[keyword];
    if (Array.isArray(oldBranches) && Array.isArray(newBranches) && oldBranches.length === newBranches.length) {
      oldBranches.forEach((branch, i) => walk(branch, newBranches[i], [...at, keyword, i], direction, changes));
    }
  }
}

/** Keywords whose value is a bound: a lower bound accepts less as it grows, an upper one as it shrinks. */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
/** Keywords that are neither looser nor tighter when changed: any other value may refuse what the old one accepted, and the reverse. */
const EXACT_CONSTRAINTS = ['pattern', 'format', 'multipleOf'] as const;

type Report = (code: SchemaChangeCode, message: string, where: JsonPath, side: 'old' | 'new') => void;

/**
 * Bounds, `pattern`, `format`, `multipleOf` and `uniqueItems`: a request breaks when the new
 * schema accepts less, an event when it may carry what the old schema refused.
 */
function compareConstraints(before: Schema, after: Schema, at: JsonPath, direction: Direction, add: Report): void {
  const code = direction === 'input' ? 'narrowed-constraint' : 'widened-constraint';
  const show = (keyword: string, value: unknown) => (keyword === 'pattern' ? `/${String(value)}/` : JSON.stringify(value));
  const compare = (keyword: string, tighter: ((old: number, next: number) => boolean) | undefined) => {
    const old = before[keyword];
    const next = after[keyword];
    if (old === undefined && next === undefined) return;
    if (JSON.stringify(old) === JSON.stringify(next)) return;
    if (old === undefined) {
      if (direction === 'input') add(code, `now has ${keyword} ${show(keyword, next)}`, [...at, keyword], 'new');
    } else if (next === undefined) {
      if (direction === 'output') add(code, `no longer has ${keyword} ${show(keyword, old)}`, [...at, keyword], 'old');
    } else if (tighter && typeof old === 'number' && typeof next === 'number') {
      const verb = (LOWER_BOUNDS as readonly string[]).includes(keyword) ? (next > old ? 'raised' : 'lowered') : next < old ? 'lowered' : 'raised';
      if (tighter(old, next) === (direction === 'input')) add(code, `${keyword} ${verb} from ${old} to ${next}`, [...at, keyword], 'new');
    } else {
      add(code, `${keyword} changed from ${show(keyword, old)} to ${show(keyword, next)}`, [...at, keyword], 'new');
    }
  };
  for (const keyword of LOWER_BOUNDS) compare(keyword, (old, next) => next > old);
  for (const keyword of UPPER_BOUNDS) compare(keyword, (old, next) => next < old);
  for (const keyword of EXACT_CONSTRAINTS) compare(keyword, undefined);
  if (direction === 'input' && after.uniqueItems === true && before.uniqueItems !== true) add(code, 'items must now be unique', [...at, 'uniqueItems'], 'new');
  if (direction === 'output' && before.uniqueItems === true && after.uniqueItems !== true) add(code, 'items may now repeat', [...at, 'uniqueItems'], 'old');
}

/** `additionalProperties: false`: fields the closed side does not list are refused there. */
function compareClosedness(before: Schema, after: Schema, at: JsonPath, direction: Direction, add: Report): void {
  const [oldClosed, newClosed] = [before.additionalProperties === false, after.additionalProperties === false];
  if (direction === 'input' && newClosed && !oldClosed) {
    add('closed-object', 'fields not listed are refused now (additionalProperties: false)', [...at, 'additionalProperties'], 'new');
  }
  if (direction !== 'output' || !oldClosed) return;
  if (!newClosed) {
    add('opened-object', 'may now carry fields not listed, which old clients refuse (their schema has additionalProperties: false)', [...at, 'additionalProperties'], 'old');
    return;
  }
  const oldProperties = propertiesOf(before);
  const oldPatterns = Object.keys(isObject(before.patternProperties) ? before.patternProperties : {});
  const known = (name: string) => name in oldProperties || oldPatterns.some((pattern) => safeTest(pattern, name));
  for (const name of Object.keys(propertiesOf(after))) {
    if (!known(name)) add('added-field', `field "${name}" added; old clients refuse the event (their schema has additionalProperties: false)`, [...at, 'properties', name], 'new');
  }
}

function safeTest(pattern: string, name: string): boolean {
  try {
    return patternRegExp(pattern, 'u').test(name);
  } catch {
    return false;
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
