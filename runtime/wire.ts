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
/** Half of a surrogate pair without the other half: UTF-8 cannot carry it, it arrives as U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

function assertSingleLine(field: 'event' | 'id', value: string): void {
  if (FORBIDDEN_IN_FIELD.test(value)) {
    throw new WireFormatError(`SSE ${field} must not contain CR, LF or NUL: ${JSON.stringify(value)}`);
  }
  assertEncodable(field, value);
}

function assertEncodable(field: 'event' | 'id' | 'data', value: string): void {
  if (LONE_SURROGATE.test(value)) throw new WireFormatError(`SSE ${field} must be well-formed Unicode (no lone surrogate): ${JSON.stringify(value)}`);
}

/** Throws WireFormatError unless `id` can be written as an `id:` field. */
export function assertEventId(id: string): void {
  assertSingleLine('id', id);
}

/** Throws WireFormatError unless `name` can be written as an `event:` field (an empty one reads as no name). */
export function assertEventName(name: string): void {
  if (name === '') throw new WireFormatError('SSE event must not be empty (clients read it as "message"); omit it for a data-only event');
  assertSingleLine('event', name);
}

/**
 * `data:` lines for a payload, one per LF. A CR is refused: clients read CR and CRLF as line
 * breaks and hand them over as LF, so the payload would arrive altered.
 */
function dataLines(data: string): string {
  if (data.includes('\r')) throw new WireFormatError(`SSE data must not contain CR (clients receive every line break as LF): ${JSON.stringify(data)}`);
  assertEncodable('data', data);
  if (!data.includes('\n')) return `data: ${data}\n`;
  let out = '';
  for (const line of data.split('\n')) out += `data: ${line}\n`;
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
