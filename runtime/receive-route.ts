/**
 * Serves one receive operation: a validated JSON (or text) POST answered 202 by default.
 */
import type { RequestHandler } from 'express';
import { checkRequest } from './request.js';
import type { Runtime } from './runtime.js';
import type { ReceiveEndpointSpec, ReceiveHandler } from './types.js';

type AnyReceiveHandler = ReceiveHandler<unknown, unknown, unknown, unknown>;

export function receiveRoute<C>(runtime: Runtime<C>, spec: ReceiveEndpointSpec, handler: AnyReceiveHandler): RequestHandler {
  return async (req, res) => {
    const { identity, params, query, body } = checkRequest(spec, req);
    const result = await handler({ identity, params, query, body, connections: runtime.connections, request: req });
    res.status(result?.status ?? 202);
    if (result?.body === undefined) res.end();
    else res.json(result.body);
  };
}
