/** Stage 3a: one exported TypeScript declaration per named schema, via json-schema-to-typescript. */
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { format } from 'prettier/standalone';
import { SCHEMA_MAPS, isObject, matchesType, narrowsType, type NamedSchema } from '../model/schemas.js';

const REF_PREFIX = '#/definitions/';
/**
 * json-schema-to-typescript turns a title into an ASCII name (`Größe` → `Grosse`), so each type
 * is compiled under this name and given its own afterwards.
 */
const PLACEHOLDER = 'GeneratedTypePlaceholder';
const PLACEHOLDER_PATTERN = new RegExp(`\\b${PLACEHOLDER}\\b`, 'g');

/** TypeScript source declaring every named schema (no header; the template adds it). */
export async function renderTypeDeclarations(schemas: NamedSchema[]): Promise<string> {
  const declarations: string[] = [];
  for (const { name, schema } of schemas) {
    const root = { ...asObject(withTypeReferences(schema)), title: PLACEHOLDER } as JSONSchema;
    const declaration = await compile(root, PLACEHOLDER, {
        bannerComment: '',
        format: false,
        declareExternallyReferenced: false,
        additionalProperties: true,
        strictIndexSignatures: false,
        unknownAny: true,
        ignoreMinAndMaxItems: true,
      });
    declarations.push(declaration.replace(PLACEHOLDER_PATTERN, name));
  }
  // prettier's standalone build with the Babel parser prints these declarations exactly as its
  // TypeScript parser does, and loads and parses in less than half the time.
  return format(declarations.join('\n'), { parser: 'babel-ts', plugins: [babel, estree], singleQuote: true, printWidth: 100 });
}


/**
 * `{ $ref: '#/definitions/X' }` → `{ tsType: 'X' }`, so each named type is referenced, not repeated;
 * `default` keywords dropped.
 */
function withTypeReferences(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withTypeReferences);
  if (typeof schema !== 'object' || schema === null) return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) return { tsType: ref.slice(REF_PREFIX.length) };
  // `default` says nothing about the type, and json-schema-to-typescript intersects an ill-typed one into it;
  // `not` cannot be written as a type (json-schema-to-typescript would type `{ not }` as an object).
  const entries = Object.entries(withRequiredMembers(schema)).filter(([key]) => key !== 'default' && key !== 'not');
  const typed: Record<string, unknown> = Object.fromEntries(entries.map(([key, value]) => [key, SCHEMA_MAPS.has(key) ? schemaMap(value) : withTypeReferences(value)]));
  // An `enum` value of another type than `type` can never validate (it is warned at): not in the type either.
  if (Array.isArray(typed.enum) && typed.type !== undefined) typed.enum = typed.enum.filter((value) => matchesType(value, [typed.type].flat()));
  return narrowsType(typed) ? typed : { ...typed, tsType: 'unknown' };
}

/**
 * A name in `required` that `properties` does not declare is still a required member (the
 * validator refuses a value without it), typed by `additionalProperties`, else `unknown`.
 */
function withRequiredMembers(schema: object): Record<string, unknown> {
  const { required, properties, additionalProperties, patternProperties } = schema as Record<string, unknown>;
  const declared = isObject(properties) ? properties : {};
  const missing = Array.isArray(required) ? required.filter((name): name is string => typeof name === 'string' && !Object.hasOwn(declared, name)) : [];
  if (missing.length === 0) return schema as Record<string, unknown>;
  // A name matching a `patternProperties` pattern takes that schema, not `additionalProperties`: `unknown` holds for both.
  const memberSchema = isObject(additionalProperties) && patternProperties === undefined ? additionalProperties : {};
  return { ...schema, properties: { ...declared, ...Object.fromEntries(missing.map((name) => [name, memberSchema])) } };
}

function schemaMap(map: unknown): unknown {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return map;
  return Object.fromEntries(Object.entries(map).map(([name, schema]) => [name, withTypeReferences(schema)]));
}

function asObject(schema: unknown): Record<string, unknown> {
  if (schema === true) return { tsType: 'unknown' };
  if (schema === false) return { tsType: 'never' };
  return schema as Record<string, unknown>;
}
