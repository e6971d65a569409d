/**
 * Serves one stream operation: checks the request, opens the event stream, replays what a
 * reconnecting client missed, then runs the user's handler until it returns or the client leaves.
 */
import type { Request, RequestHandler } from 'express';
import { openEventStream, SseConnection } from './connection.js';
import { channels, publish } from './diagnostics.js';
import { topicKey, type StreamHub } from './hub.js';
import type { Logger } from './options.js';
import { checkRequest, LAST_EVENT_ID_QUERY } from './request.js';
import type { Runtime } from './runtime.js';
import type { EventMap, EventOf, HandlerContext, StreamHandler } from './types.js';

type AnyStreamHandler = StreamHandler<EventMap, unknown, unknown, unknown, unknown>;

function openingBytes(retryMs: number | undefined): Buffer {
  return Buffer.from(`: ok\n${retryMs === undefined ? '' : `retry: ${retryMs}\n`}\n`);
}

function lastEventIdOf(req: Request): string | null {
  const header = req.get('last-event-id');
  if (header) return header;
  const query = (req.query as Record<string, unknown>)[LAST_EVENT_ID_QUERY];
  return typeof query === 'string' && query !== '' ? query : null;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<EventOf<EventMap>> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function runHandler(handler: AnyStreamHandler, connection: SseConnection, context: HandlerContext<unknown, unknown, unknown, unknown>): Promise<void> {
  const result = handler(connection, context);
  if (!isAsyncIterable(result)) {
    await result;
    return;
  }
  for await (const item of result) {
    if (connection.isClosed) break;
    connection.send(item.event, item.data, item.id === undefined ? undefined : { id: item.id });
  }
}

export function streamRoute<C>(runtime: Runtime<C>, hub: StreamHub, handler: AnyStreamHandler, logger: Logger): RequestHandler {
  const spec = hub.spec;
  const opening = openingBytes(spec.retryMs);
  return async (req, res) => {
    const checked = checkRequest(spec, req);
    if (req.method === 'HEAD') {
      openEventStream(req, res);
      res.end();
      return;
    }
    runtime.admit(hub, checked.identity);
    openEventStream(req, res);
    const connection = new SseConnection(hub, res, checked.params, topicKey(spec.paramNames, checked.params), checked.identity, lastEventIdOf(req));
    const signal = { operationId: spec.operationId, connectionId: connection.id };
    publish(channels.executing, signal);
    runtime.register(hub, connection);
    connection.write(opening);
    publish(channels.started, signal);
    try {
      await hub.replayTo(connection);
      const context = { ...checked, connections: runtime.connections, request: req };
      await runHandler(handler, connection, context);
      connection.end('completed');
    } catch (error) {
      publish(channels.error, { ...signal, error });
      logger.error(`stream handler of ${spec.operationId} failed`, { connectionId: connection.id, error });
      connection.fail();
    }
  };
}
