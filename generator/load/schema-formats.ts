/**
 * Payload schemas written in other formats (`schemaFormat`): the ecosystem's Avro, OpenAPI,
 * Protobuf and RAML parsers turn them into JSON Schema. Each is loaded when a document first
 * uses one of its formats (the RAML one alone takes over a second to load).
 */
import type { SchemaParser } from '@asyncapi/parser';
import { Kind } from '@stoplight/yaml';
import type { Diagnostic } from '../diagnostics.js';
import type { SourceSet } from './sources.js';

interface SchemaFormatPackage {
  name: string;
  /** The export that makes the parser. */
  factory: string;
  /** What its `getMimeTypes()` returns (a test keeps these in step with the installed package). */
  mimeTypes: string[];
}

export const SCHEMA_FORMAT_PACKAGES: SchemaFormatPackage[] = [
  {
    name: '@asyncapi/avro-schema-parser',
    factory: 'AvroSchemaParser',
    mimeTypes: ['1.9.0', '1.8.2'].flatMap((v) => ['', '+json', '+yaml'].map((suffix) => `application/vnd.apache.avro${suffix};version=${v}`)),
  },
  {
    name: '@asyncapi/openapi-schema-parser',
    factory: 'OpenAPISchemaParser',
    mimeTypes: ['', '+json', '+yaml'].map((suffix) => `application/vnd.oai.openapi${suffix};version=3.0.0`),
  },
  {
    name: '@asyncapi/protobuf-schema-parser',
    factory: 'ProtoBuffSchemaParser',
    mimeTypes: ['application/vnd.google.protobuf;version=2', 'application/vnd.google.protobuf;version=3'],
  },
  { name: '@asyncapi/raml-dt-schema-parser', factory: 'RamlDTSchemaParser', mimeTypes: ['application/raml+yaml;version=1.0'] },
];

/** Makes the package's parser. */
export async function loadSchemaParser(pkg: SchemaFormatPackage): Promise<SchemaParser> {
  const module = (await import(pkg.name)) as Record<string, () => SchemaParser>;
  return module[pkg.factory]!();
}

const loaded = new Map<string, Promise<SchemaParser>>();

/** Parsers for the parser's `schemaParsers` option, each loading its package on first use. */
export function schemaParsers(): SchemaParser[] {
  return SCHEMA_FORMAT_PACKAGES.map((pkg) => {
    const real = () => {
      if (!loaded.has(pkg.name)) loaded.set(pkg.name, loadSchemaParser(pkg));
      return loaded.get(pkg.name)!;
    };
    return {
      getMimeTypes: () => pkg.mimeTypes,
      validate: async (input) => (await real()).validate(input),
      parse: async (input) => (await real()).parse(input),
    };
  });
}

/**
 * Every `schemaFormat` no registered parser reads, as an error at its own line: the parser
 * itself would pass such a schema through unread, and the payload would go unvalidated.
 */
export function unknownSchemaFormats(sources: SourceSet, registered: ReadonlyMap<string, unknown>): Diagnostic[] {
  return sources
    .keysWithPrefix('schemaFormat')
    .filter((k) => k.key === 'schemaFormat' && k.value?.kind === Kind.SCALAR && !registered.has(String(k.value.value)))
    .map((k) => {
      const format = String((k.value as { value: unknown }).value);
      const known = [...registered.keys()].filter((f) => !f.includes('vnd.aai.asyncapi')).join(', ');
      const message = `schemaFormat "${format}" is not supported; use AsyncAPI Schema (the default) or one of: ${known}`;
      return { ...k.position, severity: 'error' as const, message, code: 'unknown-schema-format' };
    });
}
