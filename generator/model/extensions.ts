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

const PREFIX = 'x-sse-';

const validators = new Map<string, ValidateFunction>();
/** One instance for every extension: each new one would compile the JSON Schema meta-schema again. */
let ajv: Ajv | undefined;

function validatorFor(key: SseExtension): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = (ajv ??= new Ajv({ allErrors: true })).compile(EXTENSIONS[key]);
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
  for (const occurrence of sources.keysWithPrefix(PREFIX)) {
    const at = { ...occurrence.position, severity: 'error' as const };
    if (!isKnownExtension(occurrence.key)) {
      const known = Object.keys(EXTENSIONS);
      // Compared without the prefix every candidate shares, which says nothing about closeness.
      const closest = closestName(occurrence.key.slice(PREFIX.length), known.map((k) => k.slice(PREFIX.length)));
      const message = `unknown extension "${occurrence.key}"${didYouMean(closest && PREFIX + closest)}; known: ${known.join(', ')}`;
      problems.push({ ...at, message, code: 'unknown-sse-extension' });
    } else if (occurrence.file !== sources.root || !isOperationLevel(occurrence.path)) {
      problems.push({ ...at, message: `"${occurrence.key}" belongs on an operation`, code: 'misplaced-sse-extension' });
    } else {
      const value = occurrence.file.valueAt(occurrence.path);
      const problem = isReference(value) ? undefined : valueProblem(occurrence.key, value);
      if (!problem) continue;
      // An unknown key is reported where it is written, so the line points at the typo.
      const where = problem.key === undefined ? at : { ...at, ...occurrence.file.locate([...occurrence.path, problem.key]) };
      problems.push({ ...where, message: problem.message, code: 'invalid-sse-extension' });
    }
  }
  return problems;
}

function isReference(value: unknown): boolean {
  return typeof value === 'object' && value !== null && '$ref' in value;
}

/** Checks one extension value (already resolved by the parser); returns a message when it is wrong. */
export function extensionValueProblem(key: SseExtension, value: unknown): string | undefined {
  return valueProblem(key, value)?.message;
}

/** What is wrong with an extension value, and the key of the value's own that is unknown, if that is it. */
function valueProblem(extension: SseExtension, value: unknown): { message: string; key?: string } | undefined {
  const validate = validatorFor(extension);
  if (validate(value)) return undefined;
  // A misspelt key also makes the key it stands for missing: naming the misspelling says more.
  const issue = validate.errors?.find((e) => e.keyword === 'additionalProperties') ?? validate.errors?.[0];
  const where = issue?.instancePath ? ` at ${issue.instancePath}` : '';
  const unknown = issue?.keyword === 'additionalProperties' ? String((issue.params as { additionalProperty: unknown }).additionalProperty) : undefined;
  if (unknown === undefined) return { message: `"${extension}" value${where} ${issue?.message ?? 'is invalid'}` };
  const known = Object.keys(propertiesAt(EXTENSIONS[extension], issue!.schemaPath));
  const message = `"${extension}" value${where} has unknown key "${unknown}"${didYouMean(closestName(unknown, known))}; known: ${known.join(', ')}`;
  return { message, key: issue!.instancePath === '' ? unknown : undefined };
}

/** The `properties` of the (sub)schema an ajv `additionalProperties` error comes from. */
function propertiesAt(schema: unknown, schemaPath: string): Record<string, unknown> {
  let at = schema;
  for (const segment of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) at = (at as Record<string, unknown> | undefined)?.[segment];
  return ((at as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
}

function didYouMean(name: string | undefined): string {
  return name === undefined ? '' : `; did you mean "${name}"?`;
}

/** The known name closest to a misspelt one, when one is close. */
function closestName(name: string, known: string[]): string | undefined {
  const ranked = known.map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) })).sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  // Up to half the name may differ (`ttlMs` → `ttl`, `heartbeats` → `heartbeat`), but not all of it (`cache` ↛ `retry`).
  return best && best.distance <= Math.floor(name.length / 2) ? best.candidate : undefined;
}

/** Levenshtein distance (names are short: a quadratic table is nothing). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
