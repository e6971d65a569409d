import type { Socket } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseApp, WireFormatError, type SseStream } from '../../runtime/index.js';
import { listen, RawClient, service, streamEndpoint, type Running } from './helpers.js';

type Events = { tick: unknown; note: string; plain: unknown; badName: unknown };
type Scenario = (stream: SseStream<Events>) => void | Promise<void>;

const errors: unknown[] = [];
const scenarios: Record<string, Scenario> = {
  json: (s) => s.send('tick', { n: 1, text: 'a\nb' }, { id: '7' }),
  dataOnly: (s) => s.send('plain', { ok: true }),
  lineBreaks: (s) => {
    for (const text of ['cr\rend', 'crlf\r\nend']) {
      try {
        s.send('note', text);
      } catch (error) {
        errors.push(error);
      }
    }
    s.send('note', 'lf\nlf\nend');
  },
  emptyLines: (s) => s.send('note', '\n leading space\n'),
  comment: (s) => s.comment('hello\nworld'),
  twoTicks: async (s) => {
    for (let n = 1; n <= 3; n++) s.send('tick', { n });
    await new Promise((resolve) => setImmediate(resolve));
    s.send('tick', { n: 4 });
  },
  injection: (s) => {
    for (const id of ['1\nevent: x', '2\revent: x', '3\r\nevent: x', '4\0']) {
      try {
        s.send('tick', 1, { id });
      } catch (error) {
        errors.push(error);
      }
    }
    try {
      s.send('badName', 1);
    } catch (error) {
      errors.push(error);
    }
    s.send('note', 'x\n\nevent: x\ndata: y');
    s.send('tick', 'x\n\nevent: x\ndata: y');
  },
};

const spec = service(
  streamEndpoint({
    retryMs: 2500,
    events: {
      tick: { sseEvent: 'tick', contentType: 'application/json' },
      note: { sseEvent: 'note', contentType: 'text/plain' },
      plain: { sseEvent: null, contentType: 'application/json' },
      badName: { sseEvent: 'bad\nevent: injected', contentType: 'application/json' },
    },
  }),
);

let running: Running;
beforeAll(async () => {
  const app = createSseApp(spec, {
    stream: (stream: SseStream<Events>, context: { query: { case: string } }) => scenarios[context.query.case]!(stream),
  });
  running = await listen(app);
});
afterAll(() => running.close());

async function body(scenario: string): Promise<string> {
  const client = await RawClient.get(running.port, `/stream?case=${scenario}`);
  await client.waitForEnd();
  expect(client.status).toBe(200);
  return client.body;
}

const OPENING = ': ok\nretry: 2500\n\n';

/** One HTTP/1.1 chunk: each flush of a chunked stream is one. */
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
const tick = (n: number) => `event: tick\ndata: {"n":${n}}\n\n`;

describe('event-stream framing on the wire', () => {
  it('opens with a comment and the retry field, then writes id, event and data lines', async () => {
    expect(await body('json')).toBe(`${OPENING}id: 7\nevent: tick\ndata: {"n":1,"text":"a\\nb"}\n\n`);
  });

  it('writes data-only events without an event field', async () => {
    expect(await body('dataOnly')).toBe(`${OPENING}data: {"ok":true}\n\n`);
  });

  it('splits text on LF into one data line each, and refuses CR (clients would receive it as LF)', async () => {
    errors.length = 0;
    const text = await body('lineBreaks');
    expect(text).toBe(`${OPENING}event: note\ndata: lf\ndata: lf\ndata: end\n\n`);
    expect(errors).toEqual([expect.any(WireFormatError), expect.any(WireFormatError)]);
  });

  it('keeps empty lines and a leading space of the payload', async () => {
    const client = await RawClient.get(running.port, '/stream?case=emptyLines');
    await client.waitForEnd();
    expect(client.body).toBe(`${OPENING}event: note\ndata: \ndata:  leading space\ndata: \n\n`);
    expect(client.events()).toEqual([{ event: 'note', id: undefined, data: '\n leading space\n' }]);
  });

  it('writes comments as ": text", one line per line', async () => {
    expect(await body('comment')).toBe(`${OPENING}: hello\n: world\n\n`);
  });

  it('frames HTTP/1.1 chunks exactly, one chunk per tick, and leaves a kept-alive socket as it found it', async () => {
    const serverSockets: Socket[] = [];
    running.server.once('connection', (socket: Socket) => serverSockets.push(socket));
    const request = (scenario: string) => `GET /stream?case=${scenario} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const client = await RawClient.open(running.port, request('json'));
    await client.waitFor((c) => c.body.endsWith('0\r\n\r\n'), 2000, 'the first stream to end');
    // The opening and the handler's first event are written in the same tick, so they leave as one chunk.
    expect(client.body).toBe(chunk(OPENING + 'id: 7\nevent: tick\ndata: {"n":1,"text":"a\\nb"}\n\n') + '0\r\n\r\n');
    const drainListeners = serverSockets[0]!.listenerCount('drain');

    client.socket.write(request('comment'));
    await client.waitFor((c) => c.text.split('HTTP/1.1 200').length === 3 && c.text.endsWith('0\r\n\r\n'), 2000, 'a second stream on the same socket');
    expect(client.text.endsWith(chunk(OPENING + ': hello\n: world\n\n') + '0\r\n\r\n')).toBe(true);
    expect(serverSockets).toHaveLength(1);
    expect(serverSockets[0]!.listenerCount('drain')).toBe(drainListeners);
    client.close();
  });

  it('sends the events of one tick in one HTTP/1.1 chunk and those of the next tick in the next', async () => {
    const client = await RawClient.open(running.port, 'GET /stream?case=twoTicks HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.waitFor((c) => c.body.endsWith('0\r\n\r\n'), 2000, 'the stream to end');
    expect(client.body).toBe(chunk(OPENING + tick(1) + tick(2) + tick(3)) + chunk(tick(4)) + '0\r\n\r\n');
    client.close();
  });

  it('never lets an id, an event name or a payload inject a second event', async () => {
    errors.length = 0;
    const client = await RawClient.get(running.port, '/stream?case=injection');
    await client.waitForEnd();
    expect(errors).toHaveLength(5);
    for (const error of errors) expect(error).toBeInstanceOf(WireFormatError);
    expect(client.body).not.toContain('injected');
    expect(client.events()).toEqual([
      { event: 'note', id: undefined, data: 'x\n\nevent: x\ndata: y' },
      { event: 'tick', id: undefined, data: '"x\\n\\nevent: x\\ndata: y"' },
    ]);
  });
});

describe('writes under sustained load', () => {
  /** Two events a turn apart, a quiet spell, then two more a turn apart. */
  async function busyThenQuiet(stream: SseStream<Events>): Promise<void> {
    stream.send('tick', { n: 1 });
    await nextTurn();
    stream.send('tick', { n: 2 });
    await nextTurn();
    stream.send('tick', { n: 3 });
    await sleep(400);
    stream.send('tick', { n: 4 });
    await nextTurn();
    stream.send('tick', { n: 5 });
  }

  /** Two large events a turn apart, together past the size at which waiting saves nothing, then a small one. */
  async function busyAndLarge(stream: SseStream<Events>): Promise<void> {
    stream.send('tick', { n: 1 });
    await nextTurn();
    stream.send('note', LARGE);
    await nextTurn();
    stream.send('note', LARGE);
    await nextTurn();
    stream.send('tick', { n: 4 });
  }
  const LARGE = 'x'.repeat(10_000);
  const note = `event: note\ndata: ${LARGE}\n\n`;

  async function chunkedBody(coalesceMs: number, scenario: Scenario = busyThenQuiet): Promise<string> {
    const app = createSseApp(spec, { stream: scenario }, { coalesceMs });
    const server = await listen(app);
    try {
      const client = await RawClient.open(server.port, 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
      await client.waitFor((c) => c.body.endsWith('0\r\n\r\n'), 5000, 'the stream to end');
      client.close();
      return client.body;
    } finally {
      await server.close();
    }
  }

  it('gathers events written soon after a flush into one write, and sends the first after a quiet spell at once', async () => {
    // 2 and 3 follow the first flush within coalesceMs, so they wait and leave together; 4 follows
    // a quiet spell and leaves alone at the end of its turn, before 5 is written.
    expect(await chunkedBody(100)).toBe(chunk(OPENING + tick(1)) + chunk(tick(2) + tick(3)) + chunk(tick(4)) + chunk(tick(5)) + '0\r\n\r\n');
  });

  it("does not hold a connection's frames past 16 KiB", async () => {
    // Without the size limit, both notes and event 4 would wait for the deadline and leave with the stream's end.
    expect(await chunkedBody(100, busyAndLarge)).toBe(chunk(OPENING + tick(1)) + chunk(note + note) + chunk(tick(4)) + '0\r\n\r\n');
  });

  it('writes every turn separately with coalesceMs 0', async () => {
    expect(await chunkedBody(0)).toBe([OPENING + tick(1), tick(2), tick(3), tick(4), tick(5)].map(chunk).join('') + '0\r\n\r\n');
  });

  it('refuses a negative coalesceMs when the app is created', () => {
    expect(() => createSseApp(spec, { stream: busyThenQuiet }, { coalesceMs: -1 })).toThrow('Option coalesceMs must be zero or a positive number, got -1');
  });
});
