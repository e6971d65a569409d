/** Stage 3a: one exported TypeScript declaration per named schema, via json-schema-to-typescript. */
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { format } from 'prettier/standalone';
import { SCHEMA_MAPS, type NamedSchema } from '../model/schemas.js';

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
  // `default` says nothing about the type, and json-schema-to-typescript intersects an ill-typed one into it.
  const entries = Object.entries(schema).filter(([key]) => key !== 'default');
  return Object.fromEntries(entries.map(([key, value]) => [key, SCHEMA_MAPS.has(key) ? schemaMap(value) : withTypeReferences(value)]));
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
