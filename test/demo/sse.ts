/** Reads an event stream over a real socket with fetch, parsed by eventsource-parser. */
import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';

export type { EventSourceMessage };

export class EventReader {
  private readonly reader: ReadableStreamDefaultReader<EventSourceMessage>;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.reader = response
      .body!.pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
  }

  /** Sends the request; the reader is ready once the response headers arrived. */
  static async open(url: string, init: RequestInit = {}): Promise<EventReader> {
    const controller = new AbortController();
    const response = await fetch(url, { ...init, signal: controller.signal });
    return new EventReader(response, controller);
  }

  /** The next `count` events; fails when the stream ends first or `timeoutMs` passes. */
  async take(count: number, timeoutMs = 5000): Promise<EventSourceMessage[]> {
    const events: EventSourceMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    while (events.length < count) {
      const next = await this.read(deadline - Date.now());
      if (next === null) throw new Error(`stream ended after ${events.length} of ${count} events`);
      events.push(next);
    }
    return events;
  }

  /** Every event until the server ends the stream. */
  async rest(timeoutMs = 10_000): Promise<EventSourceMessage[]> {
    const events: EventSourceMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    for (let next = await this.read(timeoutMs); next !== null; next = await this.read(deadline - Date.now())) {
      events.push(next);
    }
    return events;
  }

  close(): void {
    this.controller.abort();
  }

  private async read(timeoutMs: number): Promise<EventSourceMessage | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), Math.max(timeoutMs, 0));
    });
    try {
      const { done, value } = await Promise.race([this.reader.read(), timeout]);
      return done ? null : value;
    } finally {
      clearTimeout(timer);
    }
  }
}
