/**
 * Runs the generated validators: request parts before a stream opens, payloads before they are framed.
 */
import { HttpProblem, type ProblemPointer } from './problem.js';
import type { EventSpec, ValidationIssue, Validator } from './types.js';

export type RequestPart = 'params' | 'query' | 'headers' | 'body';

/** Thrown by `send` and `broadcast` for a payload its schema rejects; nothing was written. */
export class PayloadValidationError extends Error {
  override name = 'PayloadValidationError';
  constructor(
    readonly event: string,
    readonly issues: ValidationIssue[],
  ) {
    super(`Payload of event "${event}" is invalid: ${issues.map(describeIssue).join('; ')}`);
  }
}

function describeIssue(issue: ValidationIssue): string {
  return `${issue.instancePath || '/'} ${issue.message ?? issue.keyword}`;
}

/** Where an issue points: missing and extra properties name the property itself. */
function issuePointer(part: RequestPart, issue: ValidationIssue): string {
  const property = issue.params.missingProperty ?? issue.params.additionalProperty;
  const tail = typeof property === 'string' ? `/${escapePointer(property)}` : '';
  return `/${part}${issue.instancePath}${tail}`;
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Issues listed per request part. A query string within Node's 16 KB header limit can break a
 * rule thousands of times (`?tag=1&tag=1…`); the first ones say what is wrong.
 */
const MAX_ISSUES_PER_PART = 50;

/**
 * A refused body this size or smaller gets every problem listed; a larger one its first. Listing
 * them all costs about 0.5 ms per kB of `[1,1,…]` against an array of strings (48 ms for 100 kB);
 * 16 KiB is the order of Node's header limit, which bounds the other parts.
 */
const MAX_LISTED_BODY_BYTES = 16 * 1024;

/** Validates (and, with coercing validators, converts) one request part; collects issues into `errors`. */
export function checkPart(part: RequestPart, validate: Validator | undefined, value: unknown, errors: ProblemPointer[]): void {
  if (!validate || validate(value)) return;
  listIssues(part, validate.errors ?? [], errors);
}

/**
 * Validates a request body with the first-error validator; a refused one of at most
 * MAX_LISTED_BODY_BYTES is checked again by the all-errors one, so every problem is listed.
 */
export function checkBody(endpoint: { body?: Validator; bodyAllErrors?: Validator }, value: unknown, bytes: number, errors: ProblemPointer[]): void {
  const { body: validate, bodyAllErrors } = endpoint;
  if (!validate || validate(value)) return;
  if (bodyAllErrors && bytes <= MAX_LISTED_BODY_BYTES) return checkPart('body', bodyAllErrors, value, errors);
  listIssues('body', validate.errors ?? [], errors);
  if (bodyAllErrors) errors.push({ pointer: '/body', message: `only the first problem is listed for a body over ${MAX_LISTED_BODY_BYTES} bytes` });
}

function listIssues(part: RequestPart, issues: ValidationIssue[], errors: ProblemPointer[]): void {
  for (const issue of issues.slice(0, MAX_ISSUES_PER_PART)) errors.push({ pointer: issuePointer(part, issue), message: issueMessage(issue) });
  if (issues.length > MAX_ISSUES_PER_PART) errors.push({ pointer: `/${part}`, message: `${issues.length - MAX_ISSUES_PER_PART} more problems not listed` });
}

/** ajv's message, with the allowed values of an `enum`, which ajv leaves out. */
function issueMessage(issue: ValidationIssue): string {
  const message = issue.message ?? issue.keyword;
  const allowed = issue.keyword === 'enum' ? issue.params.allowedValues : undefined;
  return Array.isArray(allowed) ? `${message}: ${allowed.map((value) => JSON.stringify(value)).join(', ')}` : message;
}

export function assertNoErrors(errors: ProblemPointer[]): void {
  if (errors.length > 0) throw new HttpProblem(400, 'Request does not match the API description', {}, errors);
}

/** Validates (when asked) and serializes an outgoing payload to the text of its `data:` lines. */
export function serializePayload(key: string, spec: EventSpec, data: unknown, validate: boolean): string {
  if (validate && spec.validate && !spec.validate(data)) {
    throw new PayloadValidationError(key, [...(spec.validate.errors ?? [])]);
  }
  if (spec.contentType === 'text/plain') return String(data);
  const text = JSON.stringify(data);
  if (text === undefined) throw new PayloadValidationError(key, [{ instancePath: '', keyword: 'type', message: 'must be JSON-serializable', params: {} }]);
  return text;
}
