/**
 * Example payloads for the scaffolded mock handlers: the spec's own examples when they are valid,
 * else a value synthesized from the schema. Deterministic, so generated stubs never churn.
 */
import type { NamedSchema } from './schemas.js';

type Schema = Record<string, unknown>;

/** Below this nesting depth, optional properties and array items are left out. */
const OPTIONAL_DEPTH = 3;

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

  constructor(schemas: NamedSchema[]) {
    this.definitions = new Map(schemas.map((s) => [s.name, s.schema]));
  }

  /** A value for the named type. `label` seeds string values so they read naturally. */
  forType(typeName: string): unknown {
    return this.value(this.definitions.get(typeName), typeName, 0);
  }

  private value(input: unknown, label: string, depth: number): unknown {
    if (input === false) return null;
    if (typeof input !== 'object' || input === null) return {};
    const schema = this.resolve(input as Schema);
    if (depth > 8) return null;
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
    const suggested = [...(Array.isArray(schema.examples) ? schema.examples : []), schema.default];
    const fitting = suggested.find((value) => value !== undefined && fitsType(value, schema));
    if (fitting !== undefined) return fitting;
    for (const key of ['oneOf', 'anyOf'] as const) {
      const options = schema[key];
      if (Array.isArray(options) && options.length > 0) return this.value(options[0], label, depth + 1);
    }
    if (Array.isArray(schema.allOf)) return this.allOf(schema, label, depth);
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
      if (depth < OPTIONAL_DEPTH || required.includes(name)) result[name] = this.value(property, name, depth + 1);
    }
    for (const name of required) if (!(name in result)) result[name] = this.value(schema.additionalProperties ?? {}, name, depth + 1);
    return result;
  }

  private array(schema: Schema, label: string, depth: number): unknown[] {
    const count = typeof schema.minItems === 'number' ? schema.minItems : depth < OPTIONAL_DEPTH ? 1 : 0;
    const limit = typeof schema.maxItems === 'number' ? Math.min(count, schema.maxItems) : count;
    const items = Array.isArray(schema.items) ? schema.items : Array.from({ length: limit }, () => schema.items ?? {});
    const values = items.map((item) => this.value(item, label, depth + 1));
    return schema.uniqueItems ? values.map((v, i) => (typeof v === 'string' ? `${v}${i || ''}` : typeof v === 'number' ? v + i : v)) : values;
  }

  private allOf(schema: Schema, label: string, depth: number): unknown {
    const parts = [{ ...schema, allOf: undefined }, ...(schema.allOf as unknown[])].map((part) =>
      this.value(this.resolve(part as Schema), label, depth + 1),
    );
    const objects = parts.filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null && !Array.isArray(p));
    if (objects.length === parts.length) return Object.assign({}, ...objects);
    return parts.find((p) => typeof p !== 'object' || p === null) ?? parts[0];
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
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (text.length < min) text = text.padEnd(min, 'x');
  if (text.length > max) text = text.slice(0, max);
  return text;
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
