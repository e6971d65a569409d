/**
 * Serves one stream operation: checks the request, opens the event stream, runs the user's
 * handler until it returns or the client leaves, and first replays what a reconnecting client
 * missed, ahead of everything the handler sends.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { openEventStream, SseConnection, type Params } from './connection.js';
import { channels, publish } from './diagnostics.js';
import { topicKey, type OperationConnectionManager } from './connection-manager.js';
import type { Logger } from './ports.js';
import { checkRequest } from './request.js';
import type { Runtime } from './runtime.js';
import type { EventMap, EventOf, GuardedStreamHandler, HandlerContext, StreamHandler, StreamTypes } from './types.js';

type AnyStreamHandler = StreamHandler<StreamTypes>;
type AnyGuardedStreamHandler = GuardedStreamHandler<StreamTypes>;
type StreamContext = HandlerContext<StreamTypes>;

function openingBytes(retryMs: number | undefined): Buffer {
  return Buffer.from(`: ok\n${retryMs === undefined ? '' : `retry: ${retryMs}\n`}\n`);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<EventOf<EventMap>> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Feeds the events an async-iterable handler yields into the stream until either ends. */
async function pump(events: AsyncIterable<EventOf<EventMap>>, connection: SseConnection): Promise<void> {
  for await (const item of events) {
    if (connection.isClosed) break;
    connection.send(item.event, item.data, item.id === undefined ? undefined : { id: item.id });
  }
}

/**
 * Runs the handler, then ends the stream when it is done; `failed` ends it with the safe error
 * event instead. Nothing here waits on a handler that returned `stream.closed`: that promise
 * settles only once the stream is over, and waiting on it would hold a reaction per idle stream.
 */
function runHandler(handler: AnyStreamHandler, connection: SseConnection, context: StreamContext, failed: (error: unknown) => void): void {
  let result: ReturnType<AnyStreamHandler>;
  try {
    result = handler(connection, context);
  } catch (error) {
    failed(error);
    return;
  }
  const completed = () => connection.end('completed');
  if (isAsyncIterable(result)) pump(result, connection).then(completed, failed);
  else if (!isThenable(result)) completed();
  else if (!connection.isClosedPromise(result)) result.then(completed, failed);
}

export function streamRoute<C>(runtime: Runtime<C>, manager: OperationConnectionManager, userHandler: AnyStreamHandler | AnyGuardedStreamHandler, logger: Logger): RequestHandler {
  const spec = manager.spec;
  const opening = openingBytes(spec.retryMs);
  const { admit, handler } = typeof userHandler === 'function' ? { admit: undefined, handler: userHandler } : { admit: userHandler.admit, handler: userHandler.stream };

  /**
   * Admits the stream, waiting for a cluster-wide slot when limits are shared, and for the
   * broadcasts of its topic to reach this process when the broadcaster routes by topic (so the
   * stream misses none published once it is open); refusals go to `next`.
   */
  function reserveAndOpen(req: Request, res: Response, context: StreamContext, lastEventId: string | null, next: NextFunction): void {
    const topic = topicKey(spec.paramNames, context.params as Params);
    const reserving = runtime.reserveStream(manager, context.identity);
    const listening = manager.listen(topic);
    if (!reserving && !listening) {
      open(req, res, context, topic, lastEventId);
      return;
    }
    Promise.all([reserving, listening]).then(
      ([slot]) => {
        // The client may have left meanwhile.
        if (!res.destroyed) return open(req, res, context, topic, lastEventId, slot);
        if (slot !== undefined) manager.releaseSlot(slot);
        if (listening) manager.unlisten(topic);
      },
      (error: unknown) => {
        reserving?.then((slot) => slot !== undefined && manager.releaseSlot(slot), () => {});
        if (listening) manager.unlisten(topic);
        next(error);
      },
    );
  }

  function open(req: Request, res: Response, context: StreamContext, topic: string, lastEventId: string | null, slot?: string): void {
    openEventStream(req, res);
    const connection = new SseConnection(manager, res, context.params as Params, topic, context.identity, lastEventId);
    const signal = { operationId: spec.operationId, connectionId: connection.id };
    publish(channels.executing, signal);
    runtime.register(manager, connection, slot);
    connection.write(opening);
    publish(channels.started, signal);
    // The stream never hands the request back to Express, whose continuation on req.next holds
    // the whole router chain of this request for as long as the stream stays open.
    req.next = undefined;
    // parseurl's cache of the parsed URL; it parses again if anything asks later.
    (req as { _parsedUrl?: unknown })._parsedUrl = undefined;
    const failed = (error: unknown) => {
      publish(channels.error, { ...signal, error });
      logger.error(`stream handler of ${spec.operationId} failed`, { connectionId: connection.id, error });
      connection.fail();
    };
    // The handler starts before the replay is read, its events held until the replay is out, so
    // that the metadata it sets before its first `await` decides which addressed events are replayed.
    const replaying = manager.holdForReplay(connection);
    runHandler(handler, connection, context, failed);
    if (replaying && !connection.isClosed) manager.replayTo(connection).catch(failed);
  }

  return (req, res, next) => {
    const checked = checkRequest(spec, req);
    if (req.method === 'HEAD') {
      openEventStream(req, res);
      res.end();
      return;
    }
    const context: StreamContext = {
      identity: checked.identity,
      params: checked.params,
      query: checked.query,
      headers: checked.headers,
      body: checked.body,
      connections: runtime.connections,
      request: req,
    };
    if (!admit) {
      reserveAndOpen(req, res, context, checked.lastEventId, next);
      return;
    }
    // Errors from `admit` (an HttpProblem, say) go to the router's problem+json error handler.
    Promise.resolve()
      .then(() => admit(context))
      .then(() => {
        // The client may have left while the check ran.
        if (!res.destroyed) reserveAndOpen(req, res, context, checked.lastEventId, next);
      })
      .catch(next);
  };
}
