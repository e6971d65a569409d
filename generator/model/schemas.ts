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

/** Keywords whose values are data, not schemas. */
export const LITERAL_KEYWORDS = new Set(['const', 'default', 'enum', 'example', 'examples']);
/** Keywords whose value maps names to schemas. */
export const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);

export function definitionRef(name: string): { $ref: string } {
  return { $ref: `#/definitions/${name}` };
}

export class SchemaRegistry {
  readonly schemas: NamedSchema[] = [];
  private readonly names = new NameRegistry();
  private readonly byObject = new Map<object, string>();

  /** Component schemas are registered first so that their keys win the plain names. */
  registerComponents(components: Record<string, unknown>): void {
    for (const [key, written] of Object.entries(components)) {
      const schema = unwrapSchemaFormat(written);
      if (isObject(schema)) this.add(schema, pascalCase(key));
    }
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
    return this.byObject.get(schema) ?? this.add(schema, wanted);
  }

  private add(schema: Record<string, unknown>, wanted: string): string {
    const existing = this.byObject.get(schema);
    if (existing) return existing;
    const name = this.names.claim(wanted);
    this.byObject.set(schema, name);
    const entry: NamedSchema = { name, schema: true };
    this.schemas.push(entry);
    entry.schema = this.plain(schema, name, []);
    return name;
  }

  /** Deep copy without parser annotations; nested named (or recursive) schemas become refs. */
  private plain(value: unknown, ownName: string, ancestors: object[]): JsonSchema {
    if (!isObject(value)) return value as JsonSchema;
    const known = this.byObject.get(value);
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
