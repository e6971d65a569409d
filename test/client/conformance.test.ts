import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subscribe, type StreamOperationSpec } from '../../runtime/client/index.js';
import { openStream, startServer, writeChunks, type TestServer } from './sse-server.js';
import { nextStatus } from './wait.js';
import { casePath, observe, wptCases } from './wpt-cases.js';
import { answerWptCase, requestsTo } from './wpt-server.js';

/** Text events keep the data exactly as the parser produced it. */
const operation: StreamOperationSpec = {
  operationId: 'conformance',
  method: 'GET',
  path: '/stream',
  events: {
    message: { key: 'message', contentType: 'text/plain' },
    ping: { key: 'ping', contentType: 'text/plain' },
  },
  secured: false,
};

interface Events {
  message: string;
  ping: string;
}

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

let server: TestServer | undefined;
afterEach(() => server?.close());

/** Serves `chunks` once, then ends the stream; returns what the client delivered before it tried to reconnect. */
async function receive(chunks: Array<string | Uint8Array>) {
  server = await startServer([
    async (res) => {
      openStream(res);
      await writeChunks(res, chunks);
      res.end();
    },
  ]);
  const subscription = subscribe<Events>(operation, { baseUrl: server.url, reconnect: { initialDelayMs: 1234 } });
  const received: Array<{ event: string; data: string; id: string | null }> = [];
  subscription.on('message', (data, { id }) => received.push({ event: 'message', data, id }));
  subscription.on('ping', (data, { id }) => received.push({ event: 'ping', data, id }));
  const reconnecting = await nextStatus(subscription, 'reconnecting');
  subscription.close();
  return { received, retryDelayMs: reconnecting.delayMs };
}

const messages = (...data: string[]) => data.map((text) => ({ event: 'message', data: text, id: null }));

describe('event-stream parsing (WHATWG rules) over the fetch transport', () => {
  it('strips a byte order mark only at the very start, even when it is split across chunks', async () => {
    const { received } = await receive([bytes([0xef]), bytes([0xbb, 0xbf], 'data: a\n\n', [0xef, 0xbb, 0xbf], 'data: b\n\n')]);
    expect(received).toEqual(messages('a'));
  });

  it('accepts CR, LF and CRLF line ends, mixed, with a CRLF split between chunks', async () => {
    const { received } = await receive(['data: a\r\rdata: b\n\ndata: c\r\n\r', '\ndata: x\r', '\ndata: y\r\n\r\n']);
    expect(received).toEqual(messages('a', 'b', 'c', 'x\ny'));
  });

  it('treats a field without a colon as a field with an empty value', async () => {
    const { received } = await receive(['data\n\n', 'data\ndata\n\n', 'event\ndata: z\n\n']);
    expect(received).toEqual(messages('', '\n', 'z'));
  });

  it('removes one leading space from a value, and only one', async () => {
    const { received } = await receive(['data:  two\n\n', 'data:none\n\n', 'event:ping\ndata: p\n\n']);
    expect(received).toEqual([...messages(' two', 'none'), { event: 'ping', data: 'p', id: null }]);
  });

  it('ignores a retry value that is not all digits', async () => {
    const { received, retryDelayMs } = await receive(['retry: 15x\ndata: a\n\n', 'retry: -5\n\n']);
    expect(received).toEqual(messages('a'));
    expect(retryDelayMs).toBe(1234);
  });

  it('ignores unknown fields, comments and undeclared event types', async () => {
    const { received } = await receive([': comment\nfoo: bar\ndata: a\nDATA: no\n\n', 'event: undeclared\ndata: x\n\n']);
    expect(received).toEqual(messages('a'));
  });

  it('decodes UTF-8 characters split across chunks', async () => {
    const text = Buffer.from('data: é€😀\n\n');
    const { received } = await receive([text.subarray(0, 7), text.subarray(7, 9), text.subarray(9, 12), text.subarray(12)]);
    expect(received).toEqual(messages('é€😀'));
  });
});

describe.concurrent('web-platform-tests eventsource cases over the fetch transport in Node', () => {
  let wptServer: TestServer;
  beforeAll(async () => {
    wptServer = await startServer([(res, request) => answerWptCase(res, request, wptServer.requests) || res.writeHead(404).end()]);
  });
  afterAll(() => wptServer.close());

  it.for(wptCases)('$id ($wpt)', async (wptCase, { expect }) => {
    expect(await observe(wptCase, wptServer.url, 'fetch')).toMatchObject(wptCase.expected);
    if (wptCase.reconnectsAfterMs !== undefined) {
      const [first, second] = requestsTo(wptServer.requests, casePath(wptCase, 'fetch'));
      // The WPT files allow 10% either side; the upper bound is left to a loaded machine.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(wptCase.reconnectsAfterMs * 0.9);
    }
  });
});
