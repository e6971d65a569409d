/**
 * Checks on schemas as they are written, where the parser's resolved document has lost what
 * matters: keys beside a `$ref` (the parser replaces the whole object by its target), a `$ref`
 * to a Message Object where a schema belongs, and `enum` values that contradict `type`.
 * `nullable: true` and annotations beside a `$ref` are applied to the resolved document.
 */
import type { Diagnostic } from '../diagnostics.js';
import { isObject, matchesType } from './schemas.js';
import type { JsonPath, KeyOccurrence, SourceFile, SourceSet } from '../load/sources.js';

/** Keys under which a message, operation or the components hold a schema. */
const SCHEMA_ROOTS = new Set(['payload', 'headers', 'x-sse-body', 'x-sse-metadata', 'query']);
/** Keys beside a `$ref` that describe without constraining: kept on the reference. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly', '$comment', 'externalDocs']);
/** A `$ref` fragment that names a Message Object (or message trait), not a schema. */
const MESSAGE_POINTER = /(^|\/)(messages|messageTraits)\/[^/]+$/;

export function checkWrittenSchemas(sources: SourceSet, document: unknown): Diagnostic[] {
  const found: Diagnostic[] = [];
  const report = (at: KeyOccurrence, severity: Diagnostic['severity'], message: string, code: string) =>
    found.push({ ...at.position, severity, message, code });
  for (const file of sources.files) {
    for (const occurrence of file.keys()) {
      if (!inSchema(file, sources, occurrence.path)) continue;
      const parent = file.valueAt(occurrence.path.slice(0, -1));
      if (!isObject(parent)) continue;
      if (occurrence.key === '$ref' && typeof parent.$ref === 'string') {
        const fragment = decodeURIComponent(parent.$ref.split('#')[1] ?? '');
        if (MESSAGE_POINTER.test(fragment)) {
          report(occurrence, 'error', `$ref "${parent.$ref}" points at a Message Object where a schema belongs; point at its payload ("${parent.$ref}/payload")`, 'ref-not-schema');
        }
        const objectPath = occurrence.path.slice(0, -1);
        // Only the root file's paths are the resolved document's paths.
        const applied = file === sources.root;
        if (applied) applyBesideRef(document, objectPath, parent);
        for (const sibling of ignoredBesideRef(file, objectPath, parent, applied)) {
          report(sibling, 'warning', `"${sibling.key}" beside $ref is ignored (JSON Schema draft-07 ignores keys beside $ref); write allOf: [{ $ref }, { ${sibling.key} }] instead`, 'ignored-beside-ref');
        }
      }
      if (occurrence.key === 'enum' && Array.isArray(parent.enum) && (typeof parent.type === 'string' || Array.isArray(parent.type))) {
        const types = [parent.type, ...(parent.nullable === true ? ['null'] : [])].flat();
        parent.enum.forEach((value, index) => {
          if (matchesType(value, types)) return;
          const position = file.locate([...occurrence.path, index]) ?? occurrence.position;
          found.push({ ...position, severity: 'warning', message: `enum value ${JSON.stringify(value)} is not of type ${types.join(' or ')}, so no value can match it; it is left out of the type`, code: 'enum-type-mismatch' });
        });
      }
    }
  }
  return found;
}

/** Keys beside a `$ref` that the generator cannot apply (constraints, or anything in a referenced file): warned. */
function ignoredBesideRef(file: SourceFile, objectPath: JsonPath, written: Record<string, unknown>, applied: boolean): KeyOccurrence[] {
  const ignored = Object.keys(written).filter((key) => key !== '$ref' && !key.startsWith('x-') && !(applied && (key === 'nullable' || ANNOTATIONS.has(key))));
  return file.keys().filter((k) => k.path.length === objectPath.length + 1 && ignored.includes(k.key) && objectPath.every((segment, i) => k.path[i] === segment));
}

/**
 * `{ $ref, nullable: true, description }` as written becomes, in the resolved document,
 * `{ anyOf: [target, { type: 'null' }], description }` (or `allOf: [target]` without `nullable`),
 * so the type and the validator accept `null` and the type keeps the description.
 */
function applyBesideRef(document: unknown, objectPath: JsonPath, written: Record<string, unknown>): void {
  const kept = Object.fromEntries(Object.entries(written).filter(([key]) => ANNOTATIONS.has(key)));
  const nullable = written.nullable === true;
  if (!nullable && Object.keys(kept).length === 0) return;
  const container = valueAt(document, objectPath.slice(0, -1));
  const key = objectPath[objectPath.length - 1];
  if (typeof container !== 'object' || container === null || key === undefined) return;
  const target = (container as Record<string | number, unknown>)[key];
  if (!isObject(target)) return;
  const reference = nullable ? { anyOf: [target, { type: 'null' }] } : { allOf: [target] };
  (container as Record<string | number, unknown>)[key] = { ...reference, ...kept };
}

function valueAt(document: unknown, jsonPath: JsonPath): unknown {
  let value = document;
  for (const segment of jsonPath) value = typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[segment] : undefined;
  return value;
}

/** Whether a key sits inside a schema: below a payload, headers, a component schema or an SSE body; anywhere in a referenced file. */
function inSchema(file: SourceFile, sources: SourceSet, keyPath: JsonPath): boolean {
  if (file !== sources.root) return true;
  return keyPath.slice(0, -1).some((segment, i) => SCHEMA_ROOTS.has(String(segment)) || (segment === 'schemas' && keyPath[i - 1] === 'components'));
}
