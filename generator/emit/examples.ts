/**
 * Example payloads for the scaffolded mock handlers: the spec's own examples when they are valid,
 * else a value synthesized from the schema. Deterministic, so generated stubs never churn.
 */
import { createRequire } from 'node:module';
import type * as randexp from 'randexp';
import { patternRegExp } from '../model/patterns.js';
import type { NamedSchema } from '../model/schemas.js';

// randexp's CommonJS `module.exports` is the class; its typings describe it as `exports.default`.
const RandExp = createRequire(import.meta.url)('randexp') as typeof randexp.default.default;

type Schema = Record<string, unknown>;

/** Below this nesting depth, optional properties and array items are left out. */
const OPTIONAL_DEPTH = 3;

/** How many ways through `oneOf`/`anyOf` choices are tried before giving up on a valid example. */
const VARIANTS = 4;

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2024-01-01T12:00:00Z',
  date: '2024-01-01',
  time: '12:00:00Z',
  duration: 'PT1M',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  iri: 'https://example.com/',
  'iri-reference': 'https://example.com/',
  'uri-template': 'https://example.com/{id}',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  'json-pointer': '/a',
  'relative-json-pointer': '0',
  regex: '.*',
  byte: 'ZXhhbXBsZQ==',
  password: 'secret',
  binary: 'example',
};

export class ExampleSynthesizer {
  private readonly definitions: Map<string, unknown>;
  /** Which option every `oneOf`/`anyOf` takes (modulo its length) in the value being built. */
  private variant = 0;
  /** Whether the value being built leaves out every optional property and array item. */
  private requiredOnly = false;

  constructor(schemas: NamedSchema[]) {
    this.definitions = new Map(schemas.map((s) => [s.name, s.schema]));
  }

  /** A value for the named type, taking the first option of every `oneOf`/`anyOf`. */
  forType(typeName: string): unknown {
    return this.candidate(typeName, 0);
  }

  /**
   * The first value for the named type that `valid` accepts, trying other options of the
   * schema's `oneOf`/`anyOf`s in turn, then the same with required properties only (an optional
   * one may be what breaks the value: `maxProperties`, `dependentRequired`, a `not`); undefined
   * when none is.
   */
  validExample(typeName: string, valid: (value: unknown) => boolean): { value: unknown } | undefined {
    for (const requiredOnly of [false, true]) {
      for (let variant = 0; variant < VARIANTS; variant++) {
        const value = this.candidate(typeName, variant, requiredOnly);
        if (valid(value)) return { value };
      }
    }
    return undefined;
  }

  private candidate(typeName: string, variant: number, requiredOnly = false): unknown {
    this.variant = variant;
    this.requiredOnly = requiredOnly;
    return this.value(this.definitions.get(typeName), typeName, 0);
  }

  private value(input: unknown, label: string, depth: number): unknown {
    if (input === false) return null;
    if (typeof input !== 'object' || input === null) return {};
    const schema = this.resolve(input as Schema);
    if (depth > 8) return null;
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
    // `example` (singular) is OpenAPI's and AsyncAPI 2's keyword, common in specs written for them.
    const suggested = [...(Array.isArray(schema.examples) ? schema.examples : []), schema.example, schema.default];
    const fitting = suggested.find((value) => value !== undefined && fitsType(value, schema));
    if (fitting !== undefined) return fitting;
    if (Array.isArray(schema.allOf)) return this.value(this.merged(schema), label, depth + 1);
    for (const key of ['oneOf', 'anyOf'] as const) {
      const options = schema[key];
      if (Array.isArray(options) && options.length > 0) {
        const { [key]: _, ...rest } = schema;
        return this.value(mergeSchemas(rest, this.resolve(options[this.variant % options.length] as Schema)), label, depth + 1);
      }
    }
    switch (primaryType(schema)) {
      case 'object':
        return this.object(schema, depth);
      case 'array':
        return this.array(schema, label, depth);
      case 'string':
        return stringValue(schema, label);
      case 'integer':
        return numberValue(schema, true);
      case 'number':
        return numberValue(schema, false);
      case 'boolean':
        return true;
      case 'null':
        return null;
      default:
        return {};
    }
  }

  private resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
      const target = this.definitions.get(current.$ref.replace('#/definitions/', ''));
      current = typeof target === 'object' && target !== null ? (target as Schema) : {};
    }
    return current;
  }

  private object(schema: Schema, depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const properties = (schema.properties ?? {}) as Record<string, unknown>;
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    for (const [name, property] of Object.entries(properties)) {
      // Optional properties only near the top, so recursive schemas end.
      if ((depth < OPTIONAL_DEPTH && !this.requiredOnly) || required.includes(name)) result[name] = this.value(property, name, depth + 1);
    }
    for (const name of required) if (!(name in result)) result[name] = this.value(undeclaredPropertySchema(schema, name), name, depth + 1);
    return result;
  }

  private array(schema: Schema, label: string, depth: number): unknown[] {
    const count = typeof schema.minItems === 'number' ? schema.minItems : depth < OPTIONAL_DEPTH && !this.requiredOnly ? 1 : 0;
    const limit = typeof schema.maxItems === 'number' ? Math.min(count, schema.maxItems) : count;
    const items = Array.isArray(schema.items) ? schema.items : Array.from({ length: limit }, () => schema.items ?? {});
    const values = items.map((item) => this.value(item, label, depth + 1));
    return schema.uniqueItems ? values.map((v, i) => (typeof v === 'string' ? `${v}${i || ''}` : typeof v === 'number' ? v + i : v)) : values;
  }

  /** An `allOf` and the schema's own keywords as one schema, so one value can satisfy every part. */
  private merged(schema: Schema): Schema {
    const { allOf, ...own } = schema;
    return (allOf as unknown[]).reduce<Schema>((merged, part) => {
      const resolved = this.resolve(typeof part === 'object' && part !== null ? (part as Schema) : {});
      return mergeSchemas(merged, Array.isArray(resolved.allOf) ? this.merged(resolved) : resolved);
    }, own);
  }

}

const LOWER_BOUNDS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);
const UPPER_BOUNDS = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']);

/** Two schemas' keywords as one schema: properties and types combined, the tighter bound kept. */
function mergeSchemas(a: Schema, b: Schema): Schema {
  const merged: Schema = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = merged[key];
    if (value === undefined || mine === undefined) {
      if (value !== undefined) merged[key] = value;
    } else if (key === 'properties') {
      const theirs = value as Record<string, unknown>;
      const both = { ...(mine as Record<string, unknown>) };
      for (const [name, property] of Object.entries(theirs)) both[name] = name in both ? { allOf: [both[name], property] } : property;
      merged.properties = both;
    } else if (key === 'required') {
      merged.required = [...new Set([...(mine as string[]), ...(value as string[])])];
    } else if (key === 'type') {
      const types = (t: unknown) => (Array.isArray(t) ? t : [t]);
      const common = types(mine).filter((t) => types(value).includes(t) || (t === 'integer' && types(value).includes('number')));
      merged.type = common.length > 0 ? common : value;
    } else if (typeof mine === 'number' && typeof value === 'number' && (LOWER_BOUNDS.has(key) || UPPER_BOUNDS.has(key))) {
      merged[key] = LOWER_BOUNDS.has(key) ? Math.max(mine, value) : Math.min(mine, value);
    } else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') {
      merged.allOf = [...(Array.isArray(merged.allOf) ? merged.allOf : []), { [key]: mine }, { [key]: value }];
      if (key !== 'allOf') delete merged[key];
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

/** The schema a required property not listed in `properties` must satisfy. */
function undeclaredPropertySchema(schema: Schema, name: string): unknown {
  const patterns = (schema.patternProperties ?? {}) as Record<string, unknown>;
  const matching = Object.entries(patterns).find(([pattern]) => safeRegExp(pattern)?.test(name));
  return matching ? matching[1] : (schema.additionalProperties ?? {});
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return patternRegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

function primaryType(schema: Schema): string | undefined {
  const type = schema.type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? 'null';
  if (typeof type === 'string') return type;
  if (schema.properties || schema.additionalProperties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/** Whether a spec-provided example or default has the schema's type (specs get this wrong). */
function fitsType(value: unknown, schema: Schema): boolean {
  switch (primaryType(schema)) {
    case undefined:
      return true;
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === primaryType(schema);
  }
}

function stringValue(schema: Schema, label: string): string {
  const formatted = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  let text = formatted ?? `example ${label}`;
  const pattern = typeof schema.pattern === 'string' ? safeRegExp(schema.pattern) : undefined;
  if (pattern && !pattern.test(text)) text = matchingString(pattern);
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (text.length < min) text = text.padEnd(min, 'x');
  if (text.length > max) text = text.slice(0, max);
  return text;
}

/** The shortest string the pattern yields, taking the first choice everywhere (deterministic). */
function matchingString(pattern: RegExp): string {
  const generator = new RandExp(pattern);
  generator.randInt = (low: number) => low;
  return generator.gen();
}

function numberValue(schema: Schema, integer: boolean): number {
  const min = numeric(schema.minimum) ?? (numeric(schema.exclusiveMinimum) !== undefined ? numeric(schema.exclusiveMinimum)! + (integer ? 1 : 0.5) : undefined);
  const max = numeric(schema.maximum) ?? (numeric(schema.exclusiveMaximum) !== undefined ? numeric(schema.exclusiveMaximum)! - (integer ? 1 : 0.5) : undefined);
  let value = min !== undefined && max !== undefined ? (min + max) / 2 : (min ?? (max !== undefined ? Math.min(max, 1) : 1));
  if (integer) value = min !== undefined && max !== undefined ? Math.ceil(value) : Math.round(value);
  const step = numeric(schema.multipleOf);
  if (step) value = Math.ceil(value / step) * step;
  if (max !== undefined && value > max) value = max;
  return value;
}

function numeric(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
