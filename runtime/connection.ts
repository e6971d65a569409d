/**
 * One open event stream: the object a stream handler writes to and the connection
 * manager lists. Frames written in one tick leave together at its end, straight to the
 * socket until it reports backpressure; then they queue here, up to the endpoint's byte
 * cap, until the socket drains.
 */
import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Request, Response } from 'express';
import { serializePayload } from './validation.js';
import { frameComment, frameEvent, HEARTBEAT_FRAME } from './wire.js';
import { appendFrame, encodeFrames, FULL_WRITE_BYTES, type Flushable, type Frames } from './outbox.js';
import type { OperationConnectionManager } from './connection-manager.js';
import type { Beating } from './heartbeat.js';
import type { FanOut, FanOutMember } from './fan-out.js';
import type { ConnectionInfo, ConnectionMetadata, EventMap, Identity, SseStream } from './types.js';

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

const SAFE_ERROR_FRAME = frameEvent({
  event: 'error',
  data: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 }),
});

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};
const KEEP_ALIVE_STREAM_HEADERS = { ...STREAM_HEADERS, Connection: 'keep-alive' };

/**
 * Sends the event-stream headers at once, with Nagle's algorithm off. They go to `writeHead`
 * rather than `setHeader`, so a response no middleware touched keeps no header map for the
 * life of the stream.
 */
export function openEventStream(req: Request, res: Response): void {
  const http11 = req.httpVersionMajor === 1 && req.httpVersionMinor === 1;
  req.socket.setNoDelay(true);
  res.writeHead(200, http11 ? KEEP_ALIVE_STREAM_HEADERS : STREAM_HEADERS);
  res.flushHeaders();
  forgetSentHead(res);
}

/**
 * Node keeps the head it sent on the response (`_header`, about 240 bytes) for the life of the
 * stream, though past this point it only asks whether there is one (`headersSent`, and the
 * guards of `writeHead` and `end`): a one-character stand-in answers the same.
 */
function forgetSentHead(res: Response): void {
  const sent = res as unknown as { _header?: unknown; _headerSent?: boolean };
  if (res instanceof ServerResponse && sent._headerSent === true && typeof sent._header === 'string') sent._header = ' ';
}

let lastConnectionSerial = 0;

/** The serial of the newest connection opened so far. */
export function newestConnectionSerial(): number {
  return lastConnectionSerial;
}

/** The connection a response carries, so one shared `close` listener serves every response. */
const CONNECTION = Symbol('sse.connection');
type ConnectionResponse = Response & { [CONNECTION]?: SseConnection };
type ConnectionSocket = Socket & { [CONNECTION]?: SseConnection };

/** Bytes handed to the socket per write while a backlog drains: about one socket buffer. */
const DRAIN_BATCH_BYTES = 64 * 1024;

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

export class SseConnection implements SseStream<EventMap, Params>, ConnectionInfo<Params>, Beating, Flushable, FanOutMember {
  readonly serial = ++lastConnectionSerial;
  readonly id = this.serial.toString(36);
  readonly connectedAt = Date.now();
  readonly expiresAt: number;
  isClosed = false;
  private ownMetadata: ConnectionMetadata | undefined;
  /** Frames written since the last flush; they leave together (see outbox). */
  private held: Frames | null = null;
  private heldBytes = 0;
  /** Frames waiting for `drain`; null while the socket accepts writes. */
  private queue: Buffer[] | null = null;
  private queuedBytes = 0;
  /** When the socket last drained (or first asked to wait) while a backlog waits for it. */
  private waitingSince = 0;
  /** Live frames that arrive while missed events are being replayed, with their replay positions. */
  private heldDuringReplay: Array<{ frame: Buffer; seq: number; epoch: string | null; sub: number }> | null = null;
  /** While the replay of a reconnecting stream is out, the handler's own events wait with the broadcasts, and so does its end. */
  private holdsOwnFrames = false;
  private endAfterReplay: { reason: CloseReason; lastFrame: Buffer | undefined } | undefined;
  /**
   * The highest replay position this stream was sent, place `lastSeq` (NaN before the first) and
   * addressed rank `lastSub` (see `replay.ts`): a frame at or below it is a duplicate.
   */
  lastSeq = NaN;
  lastSub = 0;
  /** The epoch (history) `lastSeq` counts in; see `replay.ts`. */
  lastEpoch = '';
  private controller: AbortController | undefined;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  /** Listens for `drain` only while a backlog waits (idle streams carry no listener). */
  private onDrain: (() => void) | undefined;
  private readonly flushes: boolean;
  /** Set when frames bypass the response object (see `directSocket`). */
  private readonly socket: Socket | null;
  /** Direct writes to an HTTP/1.1 response carry the chunked transfer coding themselves. */
  private readonly chunked: boolean;

  constructor(
    /** The connection manager of the stream's operation, which every connection of it shares. */
    readonly manager: OperationConnectionManager,
    private readonly res: Response,
    readonly params: Params,
    /** Path parameter values as one key (see `topicKey`). */
    readonly topic: string,
    readonly identity: Identity | null,
    readonly lastEventId: string | null,
  ) {
    this.expiresAt = manager.spec.maxDurationMs ? this.connectedAt + manager.spec.maxDurationMs : Infinity;
    // compression middleware adds flush(); without it each event would wait in zlib.
    this.flushes = typeof (res as { flush?: unknown }).flush === 'function';
    this.socket = directSocket(res);
    this.chunked = this.socket !== null && (res as { chunkedEncoding?: boolean }).chunkedEncoding === true;
    (res as ConnectionResponse)[CONNECTION] = this;
    res.on('close', SseConnection.responseClosed);
    // The client's FIN ends the stream at once: the response closes only after our side has
    // ended too, and counting the stream until then refused a client that reopened at once.
    const socket = res.socket as ConnectionSocket | null;
    if (socket && res.req.httpVersionMajor === 1) {
      socket[CONNECTION] = this;
      // `on`, not `once`: `finish` removes it, and a once-wrapper costs about 100 bytes per stream.
      socket.on('end', SseConnection.socketEnded);
    }
  }

  /** The `close` listener of every stream's response: a closure per connection would cost about 100 bytes each. */
  private static responseClosed(this: ConnectionResponse): void {
    this[CONNECTION]?.finish('client-disconnected');
  }

  private static socketEnded(this: ConnectionSocket): void {
    this[CONNECTION]?.finish('client-disconnected');
  }

  get operationId(): string {
    return this.manager.spec.operationId;
  }

  /** Created on first use: most streams never carry metadata. */
  get metadata(): ConnectionMetadata {
    return (this.ownMetadata ??= {});
  }

  set metadata(value: ConnectionMetadata) {
    this.ownMetadata = value;
  }

  /** Bytes written but not yet taken by the kernel: held for this tick's write, queued behind backpressure, or in the socket's buffer. */
  get bufferedBytes(): number {
    return this.heldBytes + this.queuedBytes + (this.socket ?? this.res).writableLength;
  }

  /** Since when (ms since epoch) frames have waited for the socket to drain; `null` while it takes every write. */
  get waitingForDrainSince(): number | null {
    return this.queue === null ? null : this.waitingSince;
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

  /** True for the promise `closed` returned: a handler returning it has nothing left to do once it settles. */
  isClosedPromise(value: unknown): boolean {
    return value !== undefined && value === this.closedPromise;
  }

  send(event: string, data: unknown, options?: { id?: string }): void {
    const spec = this.manager.spec.events[event];
    if (!spec) throw new TypeError(`Operation "${this.operationId}" has no event "${event}"`);
    const frame = frameEvent({ event: spec.sseEvent, data: serializePayload(event, spec, data, this.manager.validateOutgoing), id: options?.id });
    if (this.isClosed) return;
    this.writeOwn(frame);
    this.manager.metrics.eventsSent.inc(1);
    this.manager.metrics.bytesSent.inc(frame.length);
  }

  comment(text: string): void {
    if (!this.isClosed) this.writeOwn(frameComment(text));
  }

  /** A frame the handler wrote: after the replay, when one is out (see `beginReplay`). */
  private writeOwn(frame: Buffer): void {
    if (this.holdsOwnFrames) this.heldDuringReplay!.push({ frame, seq: NaN, epoch: null, sub: 0 });
    else this.write(frame);
  }

  close(): void {
    this.end('closed-by-server');
  }

  join(topic: Record<string, string | number>): Promise<void> {
    return this.isClosed ? Promise.resolve() : this.manager.join(this, topic);
  }

  /** Holds a frame until the outbox flushes, when everything held leaves in one write. */
  write(frame: Buffer): void {
    // Broadcasts made before this frame and still waiting for the flush go first.
    this.manager.takeOwed(this);
    if (this.held === null) this.manager.outbox.schedule(this);
    this.held = appendFrame(this.held, frame);
    this.heldBytes += frame.length;
    if (this.heldBytes >= FULL_WRITE_BYTES) this.manager.outbox.hurry();
  }

  flush(): void {
    const frames = this.held;
    this.held = null;
    this.heldBytes = 0;
    if (frames === null || this.isClosed) return;
    if (this.queue) {
      this.enqueue(frames);
      return;
    }
    if (!this.put(this.manager.outbox.encode(frames, this.chunked))) this.awaitDrain();
  }

  /** Hands bytes to the socket (or the response); false when it asks us to wait for `drain`. */
  private put(bytes: Buffer): boolean {
    if (this.socket) return this.socket.write(bytes);
    const accepted = this.res.write(bytes);
    if (this.flushes) (this.res as unknown as { flush(): void }).flush();
    return accepted;
  }

  /**
   * A flush's broadcasts to this connection's topic: the batch's shared bytes go straight to the
   * socket when nothing else waits here and none is a duplicate, else frame by frame as `deliver`.
   */
  receiveFanOut(batch: FanOut<SseConnection>): void {
    if (this.isClosed) return;
    if (this.heldDuringReplay) {
      this.holdFanOut(batch);
      return;
    }
    if (batch.epoch !== null) this.enterEpoch(batch.epoch);
    if (this.held !== null || this.queue || batch.firstSeq <= this.lastSeq) {
      this.holdFanOut(batch);
      return;
    }
    if (!Number.isNaN(batch.lastSeq)) {
      this.lastSeq = batch.lastSeq;
      this.lastSub = 0;
    }
    if (!this.put(batch.encoded(this.chunked))) this.awaitDrain();
  }

  /** A batch's frames, held with whatever else this connection is sent. */
  holdFanOut(batch: FanOut<SseConnection>): void {
    const { frames, seqs } = batch;
    for (let i = 0; i < frames.length; i++) this.deliver(frames[i]!, seqs[i]!, batch.epoch);
  }

  /**
   * A broadcast frame; held back while a replay is in progress. `seq` is its place in `epoch`
   * (NaN and null when it has no replay id), `sub` its addressed rank after that place.
   */
  deliver(frame: Buffer, seq: number, epoch: string | null, sub = 0): void {
    if (this.heldDuringReplay) this.heldDuringReplay.push({ frame, seq, epoch, sub });
    else this.sendReplayed(frame, seq, epoch, sub);
  }

  /**
   * Writes a frame unless the stream already has its replay position: a message late from
   * pub/sub after a replay sent it, or a replay overlapping another. The epoch is entered only
   * here, as the frame goes out: a catch-up asks for what came after the last id really sent.
   */
  sendReplayed(frame: Buffer, seq: number, epoch: string | null, sub = 0): void {
    // Broadcasts to the whole topic made before this frame and waiting for the flush go first, and count first.
    this.manager.takeOwed(this);
    if (epoch !== null) this.enterEpoch(epoch);
    if (this.wasSent(seq, sub)) return;
    if (!Number.isNaN(seq)) this.markSent(seq, sub);
    this.write(frame);
  }

  /** True when position (`seq`, `sub`) is at or below the highest one sent; never for NaN. */
  private wasSent(seq: number, sub: number): boolean {
    return seq < this.lastSeq || (seq === this.lastSeq && sub <= this.lastSub);
  }

  private markSent(seq: number, sub: number): void {
    this.lastSeq = seq;
    this.lastSub = sub;
  }

  /** From now on, replay ids count in `epoch`: a new history numbers afresh, so what was sent before no longer counts. */
  enterEpoch(epoch: string): void {
    if (epoch === this.lastEpoch) return;
    this.lastEpoch = epoch;
    this.lastSeq = NaN;
    this.lastSub = 0;
  }

  /** The client already has every event up to position (`seq`, `sub`) (its Last-Event-ID). */
  hasThrough(seq: number, sub: number): void {
    if (!this.wasSent(seq, sub)) this.markSent(seq, sub);
  }

  get isReplaying(): boolean {
    return this.heldDuringReplay !== null;
  }

  /**
   * From now until `endReplay`, broadcasts are held so replayed events go first; with
   * `ownFrames`, so are the handler's own events and its end of the stream.
   */
  beginReplay(ownFrames = false): void {
    this.heldDuringReplay ??= [];
    if (ownFrames) this.holdsOwnFrames = true;
  }

  /** Releases held frames, skipping broadcasts the replay already sent, then ends the stream if its handler did. */
  endReplay(): void {
    const held = this.heldDuringReplay;
    this.heldDuringReplay = null;
    this.holdsOwnFrames = false;
    if (!held || this.isClosed) return;
    for (const { frame, seq, epoch, sub } of held) this.sendReplayed(frame, seq, epoch, sub);
    const ending = this.endAfterReplay;
    this.endAfterReplay = undefined;
    if (ending) this.end(ending.reason, ending.lastFrame);
  }

  beat(): void {
    if (this.res.destroyed) this.finish('stale');
    else if (this.queue) this.dropIfStalled();
    // Broadcasts about to leave keep the stream alive as well as a comment.
    else if (this.held === null && !this.manager.fanOutPending(this.topic)) this.write(HEARTBEAT_FRAME);
  }

  expire(): void {
    this.end('max-duration');
  }

  /** Sends the safe `event: error` and ends the stream. */
  fail(): void {
    this.end('error', SAFE_ERROR_FRAME);
  }

  /** Ends the response after any queued and held frames and an optional last frame. */
  end(reason: CloseReason, lastFrame?: Buffer): void {
    if (this.isClosed) return;
    if (this.holdsOwnFrames && (reason === 'completed' || reason === 'closed-by-server')) {
      this.endAfterReplay ??= { reason, lastFrame };
      return;
    }
    this.manager.takeOwed(this);
    const frames = [...(this.queue ?? [])];
    if (this.held !== null) frames.push(...(Array.isArray(this.held) ? this.held : [this.held]));
    if (lastFrame) frames.push(lastFrame);
    this.held = null;
    if (frames.length > 0) this.put(encodeFrames(frames, this.chunked));
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

  private awaitDrain(): void {
    this.waitingSince = Date.now();
    this.queue ??= [];
    this.onDrain ??= () => this.drain();
    (this.socket ?? this.res).once('drain', this.onDrain);
  }

  private enqueue(frames: Frames): void {
    const queue = this.queue!;
    for (const frame of Array.isArray(frames) ? frames : [frames]) {
      queue.push(frame);
      this.queuedBytes += frame.length;
    }
    if (this.dropIfStalled()) return;
    const cap = this.manager.maxBufferedBytes;
    if (this.queuedBytes <= cap) return;
    if (this.manager.slowClientPolicy === 'disconnect') {
      this.dropSlowClient();
      return;
    }
    let dropped = 0;
    while (this.queuedBytes > cap && dropped < queue.length) this.queuedBytes -= queue[dropped++]!.length;
    queue.splice(0, dropped);
    this.manager.slowClient(this, dropped);
  }

  /**
   * The time half of the slow-client rule: a reader that takes too little to reach the byte cap
   * (a paused tab on a quiet stream) would otherwise hold its backlog and socket for ever.
   */
  private dropIfStalled(): boolean {
    if (Date.now() - this.waitingSince <= this.manager.slowClientTimeoutMs) return false;
    this.dropSlowClient();
    return true;
  }

  private dropSlowClient(): void {
    this.manager.slowClient(this, 0);
    this.destroy('slow-client');
  }

  /** Writes the backlog a socket buffer at a time, so little more than the cap is ever held for one client. */
  private drain(): void {
    const queue = this.queue;
    if (!queue || this.isClosed) return;
    this.waitingSince = Date.now();
    let sent = 0;
    while (sent < queue.length) {
      let end = sent + 1;
      let bytes = queue[sent]!.length;
      while (end < queue.length && bytes + queue[end]!.length <= DRAIN_BATCH_BYTES) bytes += queue[end++]!.length;
      const accepted = this.put(encodeFrames(end - sent === 1 ? queue[sent]! : queue.slice(sent, end), this.chunked));
      this.queuedBytes -= bytes;
      sent = end;
      if (!accepted) {
        queue.splice(0, sent);
        (this.socket ?? this.res).once('drain', this.onDrain!);
        return;
      }
    }
    this.queue = null;
  }

  private finish(reason: CloseReason): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.held = null;
    this.queue = null;
    this.queuedBytes = 0;
    this.heldDuringReplay = null;
    // A kept-alive socket outlives this stream; its next request must not call back here.
    if (this.onDrain) (this.socket ?? this.res).off('drain', this.onDrain);
    const socket = this.res.socket as ConnectionSocket | null;
    if (socket?.[CONNECTION] === this) {
      socket[CONNECTION] = undefined;
      socket.off('end', SseConnection.socketEnded);
    }
    this.manager.release(this, reason);
    this.controller?.abort();
    this.resolveClosed?.();
  }
}
