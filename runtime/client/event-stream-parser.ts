/**
 * Interprets decoded event-stream text as the HTML Standard says ("Interpreting an event stream").
 * Our own because eventsource-parser 3 drops a block with `id:` and no `data:`, which must still
 * set the last event id, and eventsource-parser 4, which reports it, needs Node 22.
 */
import type { AttemptHandlers } from './attempt.js';

export type EventStreamHandlers = Pick<AttemptHandlers, 'message' | 'id' | 'retry'>;

/** Returns `feed(text)`; text may split anywhere, even between the CR and LF of one line end. */
export function createEventStreamParser(handlers: EventStreamHandlers): (text: string) => void {
  let unterminated = '';
  /** The previous chunk ended on CR: an LF starting this one belongs to the same line end. */
  let afterCR = false;
  let data = '';
  let hasData = false;
  let event = '';
  let id: string | undefined;

  const dispatch = () => {
    if (id !== undefined) handlers.id(id);
    if (hasData) handlers.message({ event: event || undefined, data, id });
    data = '';
    hasData = false;
    event = '';
    id = undefined;
  };

  const processLine = (line: string) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      data = hasData ? `${data}\n${value}` : value;
      hasData = true;
    } else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) handlers.retry(Number(value));
  };

  const lineEnd = /\r\n|\r|\n/g;
  return (text) => {
    const input = unterminated + (afterCR && text.startsWith('\n') ? text.slice(1) : text);
    afterCR = false;
    // The rest kept from earlier chunks holds no line end: scan only the new text.
    lineEnd.lastIndex = unterminated.length;
    let start = 0;
    for (let match = lineEnd.exec(input); match; match = lineEnd.exec(input)) {
      processLine(input.slice(start, match.index));
      start = lineEnd.lastIndex;
    }
    unterminated = input.slice(start);
    afterCR = unterminated === '' && input.endsWith('\r');
  };
}
