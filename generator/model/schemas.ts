/**
 * Named JSON Schemas for the model: every schema that becomes its own TypeScript type.
 * Component schemas keep their key, titled schemas their title; nested named schemas are
 * replaced by `{ $ref: '#/definitions/Name' }` so each type is declared once.
 */
import { NameRegistry, pascalCase } from './names.js';

export type JsonSchema = Record<string, unknown> | boolean;

export interface NamedSchema {
  name: string;
  /** Plain JSON Schema; references to other named schemas are `#/definitions/<name>`. */
  schema: JsonSchema;
}

/** The parser's id of each schema: a component's key, else `<anonymous-schema-N>`. */
const SCHEMA_ID = 'x-parser-schema-id';

/** Keywords whose values are data, not schemas. */
export const LITERAL_KEYWORDS = new Set(['const', 'default', 'enum', 'example', 'examples']);
/** Keywords whose value maps names to schemas. */
export const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);

/** Keywords that say which JSON values a schema's type admits; a schema with none of them admits any value. */
const TYPE_KEYWORDS = ['type', 'properties', 'additionalProperties', 'patternProperties', 'required', 'items', 'prefixItems', 'enum', 'const', '$ref', 'oneOf', 'anyOf', 'allOf', 'tsType'];

/** Whether a schema narrows the TypeScript type of its values (`not` cannot be written as a type, so it does not). */
export function narrowsType(schema: Record<string, unknown>): boolean {
  return TYPE_KEYWORDS.some((keyword) => schema[keyword] !== undefined);
}

/** Whether a JSON value is of one of these JSON Schema types. */
export function matchesType(value: unknown, types: unknown[]): boolean {
  return types.some((type) => {
    switch (type) {
      case 'null': return value === null;
      case 'integer': return Number.isInteger(value);
      case 'array': return Array.isArray(value);
      case 'object': return isObject(value);
      default: return typeof value === type;
    }
  });
}

export function definitionRef(name: string): { $ref: string } {
  return { $ref: `#/definitions/${name}` };
}

export class SchemaRegistry {
  readonly schemas: NamedSchema[] = [];
  private readonly names = new NameRegistry();
  private readonly byObject = new Map<object, string>();
  /**
   * Component schemas by the parser's schema id (their key): traits merged into a message copy
   * its payload, and the copy is still that component.
   */
  private readonly byComponentId = new Map<string, string>();

  /** Component schemas are registered first so that their keys win the plain names. */
  registerComponents(components: Record<string, unknown>): void {
    // Every component is named before any is copied, so that one using another references it.
    const named = Object.entries(components).flatMap(([key, written]) => {
      const schema = unwrapSchemaFormat(written);
      if (!isObject(schema) || this.byObject.has(schema)) return [];
      const entry = this.claim(schema, pascalCase(key));
      if (typeof schema[SCHEMA_ID] === 'string') this.byComponentId.set(schema[SCHEMA_ID], entry.name);
      return [{ schema, entry }];
    });
    for (const { schema, entry } of named) entry.schema = this.plain(schema, entry.name, []);
  }

  /** Reserves a name for a type the templates declare themselves (event maps). */
  reserve(wanted: string): string {
    return this.names.claim(wanted);
  }

  /** Reserves a name for a type built by the model (e.g. `StreamPricesParams`). */
  define(wanted: string, schema: JsonSchema): string {
    const name = this.names.claim(wanted);
    this.schemas.push({ name, schema: this.plain(schema, name, []) });
    return name;
  }

  /**
   * Name for a payload-like schema: its existing name when it is a component or titled schema,
   * otherwise a new type called `wanted`.
   */
  nameFor(written: unknown, wanted: string): string {
    const schema = unwrapSchemaFormat(written);
    if (!isObject(schema)) return this.define(wanted, schema === false ? false : true);
    return this.known(schema) ?? this.add(schema, wanted);
  }

  /** The name of a schema already registered, or of the component it is a copy of. */
  private known(schema: Record<string, unknown>): string | undefined {
    const id = schema[SCHEMA_ID];
    return this.byObject.get(schema) ?? (typeof id === 'string' ? this.byComponentId.get(id) : undefined);
  }

  private add(schema: Record<string, unknown>, wanted: string): string {
    const existing = this.byObject.get(schema);
    if (existing) return existing;
    const entry = this.claim(schema, wanted);
    entry.schema = this.plain(schema, entry.name, []);
    return entry.name;
  }

  /** A name for the schema, and its entry (filled in by the caller, after recursive references can find the name). */
  private claim(schema: Record<string, unknown>, wanted: string): NamedSchema {
    const name = this.names.claim(wanted);
    this.byObject.set(schema, name);
    const entry: NamedSchema = { name, schema: true };
    this.schemas.push(entry);
    return entry;
  }

  /** Deep copy without parser annotations; nested named (or recursive) schemas become refs. */
  private plain(value: unknown, ownName: string, ancestors: object[]): JsonSchema {
    if (!isObject(value)) return value as JsonSchema;
    const known = this.known(value);
    if (known && known !== ownName) return definitionRef(known);
    if (ancestors.includes(value)) return definitionRef(this.add(value, `${ownName}Node`));
    if (ancestors.length > 0 && typeof value.title === 'string' && !known) {
      return definitionRef(this.add(value, pascalCase(value.title)));
    }
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key.startsWith('x-parser-') || key === '$schema' || key === '$id' || key === 'nullable') continue;
      if (LITERAL_KEYWORDS.has(key)) copy[key] = structuredClone(child);
      else if (SCHEMA_MAPS.has(key) && isObject(child)) copy[key] = this.plainMap(child, ownName, [...ancestors, value]);
      else copy[key] = this.plainChild(child, ownName, [...ancestors, value]);
    }
    // OpenAPI-style `nullable: true` (common in specs) as the JSON Schema it means.
    if (value.nullable === true && typeof value.type === 'string') copy.type = [value.type, 'null'];
    return copy;
  }

  /** `properties` and the like: every value is a schema, whatever its key (`default`, `enum`). */
  private plainMap(map: Record<string, unknown>, ownName: string, ancestors: object[]): Record<string, unknown> {
    return Object.fromEntries(Object.entries(map).map(([name, child]) => [name, this.plainChild(child, ownName, ancestors)]));
  }

  private plainChild(child: unknown, ownName: string, ancestors: object[]): unknown {
    if (Array.isArray(child)) return child.map((item) => this.plainChild(item, ownName, ancestors));
    if (!isObject(child)) return child;
    return this.plain(child, ownName, ancestors);
  }
}

/** The schema of a Multi Format Schema Object (`{ schemaFormat, schema }`, already read by the parser), else the value itself. */
export function unwrapSchemaFormat(value: unknown): unknown {
  return isObject(value) && typeof value.schemaFormat === 'string' && 'schema' in value ? value.schema : value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
