/**
 * Event-stream framing (WHATWG HTML, "Server-sent events", event stream interpretation).
 * Every function returns bytes ready for the socket; an event is framed once and the
 * same Buffer is written to every receiver.
 */

/** Thrown when an event name or id would break the framing; nothing is written. */
export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

export interface WireEvent {
  /** `event:` field; omitted (null/undefined) for data-only events. */
  event?: string | null;
  data: string;
  id?: string;
  retryMs?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

function assertSingleLine(field: 'event' | 'id', value: string): void {
  if (FORBIDDEN_IN_FIELD.test(value)) {
    throw new WireFormatError(`SSE ${field} must not contain CR, LF or NUL: ${JSON.stringify(value)}`);
  }
}

/** Throws WireFormatError unless `id` can be written as an `id:` field. */
export function assertEventId(id: string): void {
  assertSingleLine('id', id);
}

/** Throws WireFormatError unless `name` can be written as an `event:` field. */
export function assertEventName(name: string): void {
  assertSingleLine('event', name);
}

/** `data:` lines for a payload: one per line, CR, LF and CRLF all counting as breaks. */
function dataLines(data: string): string {
  if (!LINE_BREAK.test(data)) return `data: ${data}\n`;
  let out = '';
  for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out;
}

function retryLine(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new WireFormatError(`SSE retry must be a non-negative integer, got ${ms}`);
  return `retry: ${ms}\n`;
}

function frameEventText(event: WireEvent): string {
  let out = '';
  if (event.retryMs !== undefined) out += retryLine(event.retryMs);
  if (event.id !== undefined) {
    assertEventId(event.id);
    out += `id: ${event.id}\n`;
  }
  if (event.event != null) {
    assertEventName(event.event);
    out += `event: ${event.event}\n`;
  }
  return out + dataLines(event.data) + '\n';
}

/** Frames one event (`retry`, `id`, `event`, `data` lines, blank line). */
export function frameEvent(event: WireEvent): Buffer {
  return Buffer.from(frameEventText(event), 'utf8');
}

/** Frames a comment; a multi-line text becomes one `: ` line per line. */
export function frameComment(text: string): Buffer {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += line === '' ? ':\n' : `: ${line}\n`;
  return Buffer.from(out + '\n', 'utf8');
}

/** A lone `retry:` field, as a reconnection hint. */
export function frameRetry(ms: number): Buffer {
  return Buffer.from(retryLine(ms) + '\n', 'utf8');
}

/** The heartbeat: an empty comment, shared by every connection. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from(':\n\n');
