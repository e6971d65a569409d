/**
 * Frames written during one tick of the event loop wait here and leave together when the tick
 * ends: a connection sent several events in one tick gets them in one write (one syscall), and
 * every connection sent the same frames (a broadcast) gets the same encoded Buffer.
 */

/** One frame, or several in the order they were written. */
export type Frames = Buffer | Buffer[];

export interface Flushable {
  /** Writes what it holds; called once at the end of the tick in which it was scheduled. */
  flush(): void;
}

const waiting: Flushable[] = [];
let scheduled = false;

/** Flushes `item` at the end of this tick. Schedule each item at most once per tick. */
export function scheduleFlush(item: Flushable): void {
  waiting.push(item);
  if (scheduled) return;
  scheduled = true;
  process.nextTick(flushWaiting);
}

function flushWaiting(): void {
  try {
    // A flush may schedule more (a diagnostics subscriber that broadcasts, say); they go out in this pass.
    for (let i = 0; i < waiting.length; i++) waiting[i]!.flush();
  } finally {
    waiting.length = 0;
    scheduled = false;
    shared.raw = shared.chunked = null;
  }
}

/** Appends a frame to what a connection holds for this tick. */
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

interface Encoded {
  frames: Frames;
  bytes: Buffer;
}

/** The last encoding of each kind in this tick; fan-out hands every connection the same frames. */
const shared: { raw: Encoded | null; chunked: Encoded | null } = { raw: null, chunked: null };

/** `encodeFrames`, reusing the previous result when the frames are the same Buffers. */
export function encodeShared(frames: Frames, chunked: boolean): Buffer {
  const kind = chunked ? 'chunked' : 'raw';
  const last = shared[kind];
  if (last && sameFrames(last.frames, frames)) return last.bytes;
  const bytes = encodeFrames(frames, chunked);
  shared[kind] = { frames, bytes };
  return bytes;
}

function sameFrames(a: Frames, b: Frames): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
