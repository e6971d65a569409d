/**
 * Where a runtime's connections hold what they are sent until it leaves in one write.
 *
 * Frames written during one tick of the event loop leave together when the tick ends: a
 * connection sent several events in one tick gets them in one write (one syscall), and every
 * connection sent the same frames (a broadcast) gets the same encoded Buffer.
 *
 * Under sustained load the hold stretches across ticks: when frames arrive less than
 * `coalesceMs` after the previous flush ended, they wait until `coalesceMs` has passed since
 * it, so the events of a busy stream leave a few at a time rather than one syscall each. A
 * quiet stream's next event still leaves at the end of its tick, so the delay is paid only
 * while the server is busy, and never exceeds `coalesceMs`. Once a connection holds
 * `FULL_WRITE_BYTES`, waiting saves nothing more (a write that large costs about the same per
 * byte as a larger one), so the flush comes at the end of the tick.
 */
import { performance } from 'node:perf_hooks';

/** One frame, or several in the order they were written. */
export type Frames = Buffer | Buffer[];

/** Held bytes past which a connection's frames leave at the end of the tick, load or not. */
export const FULL_WRITE_BYTES = 16 * 1024;

export interface Flushable {
  /** Writes what it holds; called once per scheduling. */
  flush(): void;
}

interface Encoded {
  frames: Frames;
  bytes: Buffer;
}

export class Outbox {
  private readonly waiting: Flushable[] = [];
  private scheduled = false;
  /** Set while the next flush waits for the coalescing deadline. */
  private deadline: NodeJS.Timeout | undefined;
  private lastFlushEnded = -Infinity;
  /** The last encoding of each kind in this flush; fan-out hands every connection the same frames. */
  private raw: Encoded | null = null;
  private chunked: Encoded | null = null;
  private readonly flushWaiting = () => this.flushAll();

  /** `coalesceMs` 0 flushes at the end of every tick. */
  constructor(private readonly coalesceMs: number) {}

  /** Flushes `item` with the next flush. Schedule each item at most once until it is flushed. */
  schedule(item: Flushable): void {
    this.waiting.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    const sinceLastFlush = performance.now() - this.lastFlushEnded;
    if (sinceLastFlush >= this.coalesceMs) process.nextTick(this.flushWaiting);
    else this.deadline = setTimeout(this.flushWaiting, Math.ceil(this.coalesceMs - sinceLastFlush));
  }

  /** Brings a flush waiting for its deadline forward to the end of this tick (see `FULL_WRITE_BYTES`). */
  hurry(): void {
    if (this.deadline === undefined) return;
    clearTimeout(this.deadline);
    this.deadline = undefined;
    process.nextTick(this.flushWaiting);
  }

  /** `encodeFrames`, reusing the previous result of this flush when the frames are the same Buffers. */
  encode(frames: Frames, chunked: boolean): Buffer {
    const last = chunked ? this.chunked : this.raw;
    if (last && sameFrames(last.frames, frames)) return last.bytes;
    const encoded = { frames, bytes: encodeFrames(frames, chunked) };
    if (chunked) this.chunked = encoded;
    else this.raw = encoded;
    return encoded.bytes;
  }

  private flushAll(): void {
    const waiting = this.waiting;
    this.deadline = undefined;
    try {
      // A flush may schedule more (a diagnostics subscriber that broadcasts, say); they go out in this pass.
      for (let i = 0; i < waiting.length; i++) waiting[i]!.flush();
    } finally {
      waiting.length = 0;
      this.scheduled = false;
      this.raw = this.chunked = null;
      this.lastFlushEnded = performance.now();
    }
  }
}

/** Appends a frame to what a connection holds. */
export function appendFrame(held: Frames | null, frame: Buffer): Frames {
  if (held === null) return frame;
  if (Array.isArray(held)) {
    held.push(frame);
    return held;
  }
  return [held, frame];
}

const CRLF = Buffer.from('\r\n');

/**
 * The bytes for `frames` on the socket: as they are, or as one chunk of HTTP/1.1 chunked
 * transfer coding when the response is chunked and its frames bypass Node's own `write`.
 */
export function encodeFrames(frames: Frames, chunked: boolean): Buffer {
  const parts = Array.isArray(frames) ? frames : [frames];
  if (!chunked) return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  let length = 0;
  for (const part of parts) length += part.length;
  return Buffer.concat([Buffer.from(`${length.toString(16)}\r\n`, 'latin1'), ...parts, CRLF]);
}

function sameFrames(a: Frames, b: Frames): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
