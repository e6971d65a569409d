/**
 * Everything that happens to a request before its handler runs: auth, then validation of
 * each part with the generated validators (which coerce types on the copies they get).
 */
import type { Request, RequestHandler } from 'express';
import { authorize, type Authenticate } from './auth.js';
import type { RuntimeMetrics } from './metrics.js';
import { HttpProblem, type ProblemPointer } from './problem.js';
import type { EndpointSpec, Identity } from './types.js';
import { assertNoErrors, checkPart } from './validation.js';

export interface CheckedRequest {
  identity: Identity | null;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

/** The query parameter a first connection may use instead of the `Last-Event-ID` header. */
export const LAST_EVENT_ID_QUERY = 'lastEventId';

const IDENTITY = Symbol('identity');
type WithIdentity = Request & { [IDENTITY]?: Identity | null };

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
  if (endpoint.kind === 'stream') delete query[LAST_EVENT_ID_QUERY];
  checkPart('query', endpoint.query, query, errors);
  checkPart('headers', endpoint.headers, { ...req.headers }, errors);
  const body: unknown = req.body;
  if (endpoint.method === 'POST') checkPart('body', endpoint.body, body, errors);
  assertNoErrors(errors);
  return { identity: (req as WithIdentity)[IDENTITY] ?? null, params, query, body };
}
