import { now } from './clock.js';

/** The event every server broadcasts; `t` is the publish time the client subtracts from. */
export interface BenchEvent {
  t: number;
  seq: number;
  pad: string;
}

/** Name of the SSE event on the wire, the same for every server. */
export const EVENT_NAME = 'tick';

/** An event stamped now whose JSON is exactly `size` bytes (or its bare minimum when smaller). */
export function makeEvent(seq: number, size: number): BenchEvent {
  const event: BenchEvent = { t: now(), seq, pad: '' };
  const bare = JSON.stringify(event).length;
  event.pad = 'x'.repeat(Math.max(0, size - bare));
  return event;
}
