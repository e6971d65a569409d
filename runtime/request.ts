/**
 * Everything that happens to a request before its handler runs: auth, then validation of
 * each part with the generated validators (which coerce types on the copies they get).
 */
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { authorize, type Authenticate } from './auth.js';
import type { RuntimeMetrics } from './metrics.js';
import { HttpProblem, type ProblemPointer } from './problem.js';
import type { EndpointSpec, Identity } from './types.js';
import { assertNoErrors, checkBody, checkPart } from './validation.js';

export interface CheckedRequest {
  identity: Identity | null;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** The request headers, as their validator left them (defaults applied). */
  headers: Record<string, unknown>;
  body: unknown;
  /** The event id a reconnecting stream client last saw (header, else query), when it sent one. */
  lastEventId: string | null;
}

/** The query parameter a first connection may use instead of the `Last-Event-ID` header. */
export const LAST_EVENT_ID_QUERY = 'lastEventId';

/** Longer ids are no id this runtime or a replayer hands out, only a cost to look up. */
const MAX_LAST_EVENT_ID_LENGTH = 256;
/** An id with these could never have been sent (the wire refuses them), so it is a forged one. */
const LINE_BREAK_OR_NUL = /[\r\n\0]/;

const IDENTITY = Symbol('identity');
type WithIdentity = Request & { [IDENTITY]?: Identity | null };

const BODY_BYTES = Symbol('bodyBytes');
type WithBodyBytes = IncomingMessage & { [BODY_BYTES]?: number };

/** The body parsers' `verify` hook: keeps the size of the body as read, decoded but not parsed. */
export function recordBodyBytes(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as WithBodyBytes)[BODY_BYTES] = buffer.length;
}

/** Authenticates before the body is read, so an anonymous caller cannot make the server parse one. */
export function authStep(endpoint: EndpointSpec, authenticate: Authenticate, realm: string, metrics: RuntimeMetrics | null): RequestHandler {
  return async (req, _res, next) => {
    try {
      (req as WithIdentity)[IDENTITY] = await authorize(endpoint, req, authenticate, realm);
    } catch (error) {
      if (error instanceof HttpProblem) metrics?.authFailed(endpoint.operationId, error.status);
      throw error;
    }
    next();
  };
}

/** Validates params, query, headers and body; throws 400 listing every failing pointer. */
export function checkRequest(endpoint: EndpointSpec, req: Request): CheckedRequest {
  const errors: ProblemPointer[] = [];
  const params: Record<string, unknown> = { ...req.params };
  checkPart('params', endpoint.params, params, errors);
  const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
  let lastEventId: string | null = null;
  if (endpoint.kind === 'stream') {
    lastEventId = checkLastEventId(req.get('last-event-id'), query[LAST_EVENT_ID_QUERY], errors);
    delete query[LAST_EVENT_ID_QUERY];
  }
  checkPart('query', endpoint.query, query, errors);
  const headers: Record<string, unknown> = { ...req.headers };
  checkPart('headers', endpoint.headers, headers, errors);
  const body: unknown = req.body;
  if (endpoint.method === 'POST') checkBody(endpoint, body, (req as WithBodyBytes)[BODY_BYTES] ?? 0, errors);
  assertNoErrors(errors);
  return { identity: (req as WithIdentity)[IDENTITY] ?? null, params, query, headers, body, lastEventId };
}

/** The `Last-Event-ID` header, else the `lastEventId` query parameter given once; empty means none. */
function checkLastEventId(header: string | undefined, query: unknown, errors: ProblemPointer[]): string | null {
  const [pointer, value] = header ? ['/headers/last-event-id', header] : ['/query/lastEventId', query];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') errors.push({ pointer, message: 'must be given once' });
  else if (value.length > MAX_LAST_EVENT_ID_LENGTH) errors.push({ pointer, message: `must be at most ${MAX_LAST_EVENT_ID_LENGTH} characters` });
  else if (LINE_BREAK_OR_NUL.test(value)) errors.push({ pointer, message: 'must not contain CR, LF or NUL' });
  else return value;
  return null;
}
