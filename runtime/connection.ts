/**
 * One open event stream: the object a stream handler writes to and the connection
 * manager lists. Writes go straight to the response until it reports backpressure; then
 * frames queue here, up to the endpoint's byte cap, until the socket drains.
 */
import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Request, Response } from 'express';
import type { OperationMetrics } from './metrics.js';
import type { SlowClientPolicy } from './options.js';
import { serializePayload } from './validation.js';
import { frameComment, frameEvent, HEARTBEAT_FRAME } from './wire.js';
import type { Beating } from './heartbeat.js';
import type { ConnectionInfo, ConnectionMetadata, EventMap, Identity, SseStream, StreamEndpointSpec } from './types.js';

export type CloseReason =
  | 'completed'
  | 'closed-by-server'
  | 'client-disconnected'
  | 'error'
  | 'max-duration'
  | 'slow-client'
  | 'stale'
  | 'shutdown';

export type Params = Record<string, unknown>;

/** What every connection of one endpoint shares (one object per endpoint, not per connection). */
export interface EndpointRuntime {
  readonly spec: StreamEndpointSpec;
  readonly maxBufferedBytes: number;
  readonly slowClientPolicy: SlowClientPolicy;
  readonly validateOutgoing: boolean;
  readonly metrics: OperationMetrics;
  /** Called once when a connection closes, for any reason. */
  release(connection: SseConnection, reason: CloseReason): void;
  /** Called when a slow client passes its byte cap. */
  slowClient(connection: SseConnection, droppedEvents: number): void;
}

const SAFE_ERROR_FRAME = frameEvent({
  event: 'error',
  data: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 }),
});

/** Sets the event-stream headers and sends them at once, with Nagle's algorithm off. */
export function openEventStream(req: Request, res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) res.setHeader('Connection', 'keep-alive');
  req.socket.setNoDelay(true);
  res.flushHeaders();
}

let lastConnectionId = 0;

const CRLF = Buffer.from('\r\n');

function uncork(socket: Socket): void {
  socket.uncork();
}

/**
 * The socket to write events to directly, when that is safe: nothing but Node's own `write`
 * sits on the response (no compression or logging middleware) and the headers already left.
 * Express gives every response object its own hidden class, which makes each `res.write`
 * several times slower than writing to the socket; events are the hot path, so they skip it.
 */
function directSocket(res: Response): Socket | null {
  if (res.write !== ServerResponse.prototype.write || res.writableLength > 0) return null;
  return res.socket;
}

export class SseConnection implements SseStream<EventMap, Params>, ConnectionInfo<Params>, Beating {
  readonly id = (++lastConnectionId).toString(36);
  readonly connectedAt = Date.now();
  readonly expiresAt: number;
  metadata: ConnectionMetadata = {};
  isClosed = false;
  /** Frames waiting for `drain`; null while the socket accepts writes. */
  private queue: Buffer[] | null = null;
  private queuedBytes = 0;
  /** Live frames that arrive while missed events are being replayed, with their numeric ids. */
  private heldDuringReplay: Array<{ frame: Buffer; seq: number }> | null = null;
  private controller: AbortController | undefined;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private readonly flushes: boolean;
  /** Set when frames bypass the response object (see `directSocket`). */
  private readonly socket: Socket | null;
  /** HTTP/1.1 responses are chunked: a direct write frames each chunk itself. */
  private readonly chunked: boolean;
  private readonly onDrain = () => this.drain();

  constructor(
    readonly endpoint: EndpointRuntime,
    private readonly res: Response,
    readonly params: Params,
    /** Path parameter values as one key (see `topicKey`). */
    readonly topic: string,
    readonly identity: Identity | null,
    readonly lastEventId: string | null,
  ) {
    this.expiresAt = endpoint.spec.maxDurationMs ? this.connectedAt + endpoint.spec.maxDurationMs : Infinity;
    // compression middleware adds flush(); without it each event would wait in zlib.
    this.flushes = typeof (res as { flush?: unknown }).flush === 'function';
    this.socket = directSocket(res);
    this.chunked = (res as { chunkedEncoding?: boolean }).chunkedEncoding === true;
    (this.socket ?? res).on('drain', this.onDrain);
    res.on('close', () => this.finish('client-disconnected'));
  }

  get operationId(): string {
    return this.endpoint.spec.operationId;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isClosed) this.controller.abort();
    }
    return this.controller.signal;
  }

  get closed(): Promise<void> {
    if (!this.closedPromise) {
      this.closedPromise = this.isClosed ? Promise.resolve() : new Promise((resolve) => (this.resolveClosed = resolve));
    }
    return this.closedPromise;
  }

  send(event: string, data: unknown, options?: { id?: string }): void {
    const spec = this.endpoint.spec.events[event];
    if (!spec) throw new TypeError(`Operation "${this.operationId}" has no event "${event}"`);
    const frame = frameEvent({ event: spec.sseEvent, data: serializePayload(event, spec, data, this.endpoint.validateOutgoing), id: options?.id });
    if (this.isClosed) return;
    this.write(frame);
    this.endpoint.metrics.eventsSent.inc(1);
    this.endpoint.metrics.bytesSent.inc(frame.length);
  }

  comment(text: string): void {
    if (!this.isClosed) this.write(frameComment(text));
  }

  close(): void {
    this.end('closed-by-server');
  }

  /** Writes a frame, or queues it while the socket is full. */
  write(frame: Buffer): void {
    if (this.queue) {
      this.enqueue(frame);
      return;
    }
    if (!this.put(frame)) this.queue = [];
  }

  /** Hands one frame to the socket (or the response); false when it asks us to wait for `drain`. */
  private put(frame: Buffer): boolean {
    const socket = this.socket;
    if (!socket) {
      const accepted = this.res.write(frame);
      if (this.flushes) (this.res as unknown as { flush(): void }).flush();
      return accepted;
    }
    // Like Node's own response writes: everything written in one tick leaves in one syscall.
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    if (!this.chunked) return socket.write(frame);
    socket.write(`${frame.length.toString(16)}\r\n`, 'latin1');
    socket.write(frame);
    return socket.write(CRLF);
  }

  /** A broadcast frame; held back while a replay is in progress. `seq` is its numeric id (NaN if none). */
  deliver(frame: Buffer, seq: number): void {
    if (this.heldDuringReplay) this.heldDuringReplay.push({ frame, seq });
    else this.write(frame);
  }

  /** From now until `endReplay`, broadcasts are held so replayed events go first. */
  beginReplay(): void {
    this.heldDuringReplay = [];
  }

  /** Releases held broadcasts, skipping those the replay already sent (id at most `lastReplayedSeq`). */
  endReplay(lastReplayedSeq: number): void {
    const held = this.heldDuringReplay;
    this.heldDuringReplay = null;
    if (!held || this.isClosed) return;
    for (const { frame, seq } of held) {
      if (!(seq <= lastReplayedSeq)) this.write(frame);
    }
  }

  beat(): void {
    if (this.res.destroyed) this.finish('stale');
    else if (!this.queue) this.write(HEARTBEAT_FRAME);
  }

  expire(): void {
    this.end('max-duration');
  }

  /** Sends the safe `event: error` and ends the stream. */
  fail(): void {
    this.end('error', SAFE_ERROR_FRAME);
  }

  /** Ends the response after any queued frames and an optional last frame. */
  end(reason: CloseReason, lastFrame?: Buffer): void {
    if (this.isClosed) return;
    for (const frame of this.queue ?? []) this.put(frame);
    if (lastFrame) this.put(lastFrame);
    this.res.end();
    this.finish(reason);
  }

  /** Sends the last frame, ends the stream and the socket under it; resolves once the response has closed. */
  shutdown(lastFrame: Buffer): Promise<void> {
    const res = this.res;
    const socket = res.socket;
    const done = new Promise<void>((resolve) => res.once('close', resolve));
    this.end('shutdown', lastFrame);
    socket?.end();
    return done;
  }

  /** Drops the connection without a goodbye (slow client, shutdown deadline). */
  destroy(reason: CloseReason): void {
    this.res.destroy();
    this.finish(reason);
  }

  private enqueue(frame: Buffer): void {
    const queue = this.queue!;
    queue.push(frame);
    this.queuedBytes += frame.length;
    const cap = this.endpoint.maxBufferedBytes;
    if (this.queuedBytes <= cap) return;
    if (this.endpoint.slowClientPolicy === 'disconnect') {
      this.endpoint.slowClient(this, 0);
      this.destroy('slow-client');
      return;
    }
    let dropped = 0;
    while (this.queuedBytes > cap && dropped < queue.length) this.queuedBytes -= queue[dropped++]!.length;
    queue.splice(0, dropped);
    this.endpoint.slowClient(this, dropped);
  }

  private drain(): void {
    const queue = this.queue;
    if (!queue || this.isClosed) return;
    let written = 0;
    let accepted = true;
    while (accepted && written < queue.length) {
      const frame = queue[written++]!;
      this.queuedBytes -= frame.length;
      accepted = this.put(frame);
    }
    queue.splice(0, written);
    if (accepted) this.queue = null;
  }

  private finish(reason: CloseReason): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue = null;
    this.queuedBytes = 0;
    this.heldDuringReplay = null;
    // A kept-alive socket outlives this stream; its next request must not call back here.
    this.socket?.off('drain', this.onDrain);
    this.endpoint.release(this, reason);
    this.controller?.abort();
    this.resolveClosed?.();
  }
}
