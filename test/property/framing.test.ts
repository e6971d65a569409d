/**
 * Property: any payload text, event name and id either reaches a client's parser (the
 * eventsource-parser the client SDK uses) exactly as sent, as one event, or `frameEvent` (and
 * so `send`) refuses it; a framed event never turns into an extra or an altered one.
 * `PROPERTY_RUNS` sets the number of runs (fixed seed by default), `PROPERTY_SEED` the seed.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseApp, type ConnectionManager, type SseStream } from '../../runtime/index.js';
import { frameEvent, HEARTBEAT_FRAME, WireFormatError, type WireEvent } from '../../runtime/wire.js';
import { listen, RawClient, service, streamEndpoint, type Running } from '../runtime/helpers.js';
import { propertySettings } from './settings.js';

/** Feeds the bytes to a fresh parser the way the client does (decoded as UTF-8, in pieces). */
function parse(bytes: Buffer, cuts: number[]): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  let start = 0;
  for (const cut of [...cuts.filter((c) => c < bytes.length)].sort((a, b) => a - b)) {
    parser.feed(decoder.decode(bytes.subarray(start, cut), { stream: true }));
    start = cut;
  }
  parser.feed(decoder.decode(bytes.subarray(start)));
  return events;
}

/** Strings rich in what breaks framing: line breaks, NUL, colons, spaces, BOM, lone surrogates. */
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\r', '\n', '\0', ':', ' ', 'a', '\uFEFF', '\uD800', '\uDC00', 'é', '😀', 'data', 'id', 'event'), maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const wireEvent = fc.record(
  { data: hostileText, event: fc.option(hostileText, { nil: undefined }), id: fc.option(hostileText, { nil: undefined }) },
  { requiredKeys: ['data'] },
);

describe('framing and the client parser', () => {
  it('round-trips every event exactly or refuses it with WireFormatError', () => {
    fc.assert(
      fc.property(wireEvent, fc.array(fc.nat({ max: 200 }), { maxLength: 4 }), (event: WireEvent, cuts) => {
        let frame: Buffer;
        try {
          frame = frameEvent(event);
        } catch (error) {
          expect(error).toBeInstanceOf(WireFormatError);
          return;
        }
        // A heartbeat before and after, as on a live stream.
        const received = parse(Buffer.concat([HEARTBEAT_FRAME, frame, HEARTBEAT_FRAME]), cuts);
        expect(received).toEqual([{ event: event.event, id: event.id, data: event.data }]);
      }),
      propertySettings(),
    );
  });
});

type Item = { kind: 'note'; data: string; id?: string } | { kind: 'tick'; data: unknown; id?: string };
type Events = { note: string; tick: unknown };

describe('send over a real socket', () => {
  const batches = new Map<string, Item[]>();
  const app = createSseApp<{ stream: ConnectionManager<Events> }>(
    service(streamEndpoint({ events: { note: { sseEvent: 'note', contentType: 'text/plain' }, tick: { sseEvent: 'tick', contentType: 'application/json' } } })),
    {
      stream: (stream: SseStream<Events>, { query }: { query: { run: string } }) => {
        const sent: Item[] = [];
        for (const item of batches.get(query.run)!) {
          try {
            stream.send(item.kind, item.data, item.id === undefined ? undefined : { id: item.id });
            sent.push(item);
          } catch (error) {
            expect(error).toBeInstanceOf(WireFormatError);
          }
        }
        batches.set(query.run, sent);
      },
    },
  );
  let running: Running;
  beforeAll(async () => {
    running = await listen(app);
  });
  afterAll(() => running.close());

  const item: fc.Arbitrary<Item> = fc.oneof(
    fc.record({ kind: fc.constant('note' as const), data: hostileText, id: fc.option(hostileText, { nil: undefined }) }, { requiredKeys: ['kind', 'data'] }),
    fc.record({ kind: fc.constant('tick' as const), data: fc.jsonValue(), id: fc.option(hostileText, { nil: undefined }) }, { requiredKeys: ['kind', 'data'] }),
  );

  it('delivers exactly the events send accepted, in order, and nothing else', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 8 }), async (items) => {
        const key = String(++run);
        batches.set(key, items);
        const client = await RawClient.get(running.port, `/stream?run=${key}`);
        await client.waitForEnd();
        const sent = batches.get(key)!;
        batches.delete(key);
        const expected = sent.map((sentItem) => ({
          event: sentItem.kind,
          id: sentItem.id,
          data: sentItem.kind === 'note' ? sentItem.data : JSON.stringify(sentItem.data),
        }));
        expect(client.events()).toEqual(expected);
      }),
      propertySettings(200),
    );
  });
});
