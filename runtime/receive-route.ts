/**
 * Serves one receive operation: a validated JSON (or text) POST answered 202 by default, or
 * with the handler's reply, checked against the operation's `reply` schema.
 */
import type { RequestHandler } from 'express';
import { checkRequest } from './request.js';
import type { Runtime } from './runtime.js';
import type { ReceiveEndpointSpec, ReceiveHandler, ReceiveTypes } from './types.js';
import { PayloadValidationError } from './validation.js';

type AnyReceiveHandler = ReceiveHandler<ReceiveTypes>;

export function receiveRoute<C>(runtime: Runtime<C>, spec: ReceiveEndpointSpec, handler: AnyReceiveHandler): RequestHandler {
  return async (req, res) => {
    const checked = checkRequest(spec, req);
    const result = await handler({ ...checked, connections: runtime.connections, request: req });
    if (result?.body === undefined) {
      res.status(result?.status ?? 202).end();
      return;
    }
    // A reply its schema rejects is a fault of the handler: a 500, with the reason in the log.
    if (spec.reply && runtime.validateOutgoing && !spec.reply(result.body)) {
      throw new PayloadValidationError(`${spec.operationId} reply`, [...(spec.reply.errors ?? [])]);
    }
    res.status(result.status ?? 202);
    res.json(result.body);
  };
}
