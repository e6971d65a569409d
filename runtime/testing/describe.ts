/** What a test stream records as it arrives, and how a failure message prints it. */
import type { ConnectionStatus, InvalidEvent, ResetInfo } from '../client/types.js';

/** A received event of any operation (`ReceivedEvent<E>` without its spec's types). */
export interface AnyEvent {
  event: string;
  data: unknown;
  id: string | null;
}

export type Arrival =
  | { kind: 'event'; event: AnyEvent }
  | { kind: 'invalid'; invalid: InvalidEvent }
  | { kind: 'reset'; reset: ResetInfo }
  | { kind: 'status'; status: Exclude<ConnectionStatus, { type: 'open' }> };

/** Payloads print as JSON, cut at this many characters so one huge event does not bury the message. */
const MAX_VALUE_CHARS = 500;

export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length} characters)` : text;
}

/** ajv's errors as one line: `/minute must be integer; (payload) must have required property 'team'`. */
export function describeSchemaErrors(errors: ReadonlyArray<{ instancePath: string; message?: string }>): string {
  return errors.map(({ instancePath, message }) => `${instancePath || '(payload)'} ${message ?? 'is invalid'}`).join('; ');
}

function withId(id: string | null): string {
  return id === null ? '' : ` (id ${id})`;
}

export function describeArrival(arrival: Arrival): string {
  switch (arrival.kind) {
    case 'event':
      return `event "${arrival.event.event}"${withId(arrival.event.id)}: ${describeValue(arrival.event.data)}`;
    case 'invalid': {
      const { event, id, data, errors } = arrival.invalid;
      return `event "${event}"${withId(id)} that does not match its schema: ${describeSchemaErrors(errors)}\n      payload: ${describeValue(data)}`;
    }
    case 'reset':
      return `sse-reset (${arrival.reset.reason}, last event id ${arrival.reset.lastEventId ?? 'none'})`;
    case 'status': {
      const { status } = arrival;
      if (status.type === 'closed') return `closed (${status.reason})`;
      if (status.type === 'reconnecting') return `reconnecting (attempt ${status.attempt}, in ${status.delayMs} ms)`;
      const problem = status.problem ? ` ${describeValue(status.problem)}` : '';
      const error = status.error instanceof Error ? ` ${status.error.message}` : '';
      return `error${status.status === undefined ? '' : ` ${status.status}`}${problem}${error}`;
    }
  }
}
