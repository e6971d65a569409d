/**
 * The `x-sse-` extensions of the SSE profile: where each may appear and what its value must be.
 * Checked on the source files themselves so every problem carries its own line and column.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../diagnostics.js';
import type { SourceSet, JsonPath } from '../load/sources.js';

const positiveInteger = { type: 'integer', minimum: 1 };
const schemaObject = { type: 'object' };

/** Value schema of every known extension. */
const EXTENSIONS = {
  'x-sse-heartbeat': positiveInteger,
  'x-sse-retry': { type: 'integer', minimum: 0 },
  'x-sse-replay': {
    type: 'object',
    properties: { maxEvents: positiveInteger, ttl: positiveInteger },
    required: ['maxEvents'],
    additionalProperties: false,
  },
  'x-sse-body': schemaObject,
  'x-sse-roles': { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  'x-sse-max-connections-per-identity': positiveInteger,
  'x-sse-max-duration': positiveInteger,
  'x-sse-metadata': schemaObject,
} as const;

export type SseExtension = keyof typeof EXTENSIONS;

/** Extensions that only make sense on a stream (`action: send`). */
export const STREAM_ONLY: readonly SseExtension[] = [
  'x-sse-heartbeat',
  'x-sse-retry',
  'x-sse-replay',
  'x-sse-body',
  'x-sse-max-connections-per-identity',
  'x-sse-max-duration',
  'x-sse-metadata',
];

const validators = new Map<string, ValidateFunction>();
/** One instance for every extension: each new one would compile the JSON Schema meta-schema again. */
let ajv: Ajv | undefined;

function validatorFor(key: SseExtension): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = (ajv ??= new Ajv()).compile(EXTENSIONS[key]);
    validators.set(key, validate);
  }
  return validate;
}

export function isKnownExtension(key: string): key is SseExtension {
  return Object.hasOwn(EXTENSIONS, key);
}

/** Operation-level places: an operation, a component operation or an operation trait. */
function isOperationLevel(path: JsonPath): boolean {
  const parent = path.slice(0, -1).map(String);
  if (parent.length === 2) return parent[0] === 'operations';
  if (parent.length === 3) return parent[0] === 'components' && (parent[1] === 'operations' || parent[1] === 'operationTraits');
  return false;
}

/**
 * Unknown keys, keys outside an operation and ill-typed values, each at its own position
 * (values written as a `$ref` are checked once resolved, by the model).
 */
export function checkExtensions(sources: SourceSet): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const occurrence of sources.keysWithPrefix('x-sse-')) {
    const at = { ...occurrence.position, severity: 'error' as const };
    if (!isKnownExtension(occurrence.key)) {
      const known = Object.keys(EXTENSIONS).join(', ');
      problems.push({ ...at, message: `unknown extension "${occurrence.key}"; known: ${known}`, code: 'unknown-sse-extension' });
    } else if (occurrence.file !== sources.root || !isOperationLevel(occurrence.path)) {
      problems.push({ ...at, message: `"${occurrence.key}" belongs on an operation`, code: 'misplaced-sse-extension' });
    } else {
      const value = occurrence.file.valueAt(occurrence.path);
      const problem = isReference(value) ? undefined : extensionValueProblem(occurrence.key, value);
      if (problem) problems.push({ ...at, message: problem, code: 'invalid-sse-extension' });
    }
  }
  return problems;
}

function isReference(value: unknown): boolean {
  return typeof value === 'object' && value !== null && '$ref' in value;
}

/** Checks one extension value (already resolved by the parser); returns a message when it is wrong. */
export function extensionValueProblem(key: SseExtension, value: unknown): string | undefined {
  const validate = validatorFor(key);
  if (validate(value)) return undefined;
  const issue = validate.errors?.[0];
  const where = issue?.instancePath ? ` at ${issue.instancePath}` : '';
  return `"${key}" value${where} ${issue?.message ?? 'is invalid'}`;
}
