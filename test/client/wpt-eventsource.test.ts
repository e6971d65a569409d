import { afterAll, beforeAll, describe, it } from 'vitest';
import { startServer, type TestServer } from './sse-server.js';
import { casePath, observe, wptCases } from './wpt-cases.js';
import { answerWptCase, requestsTo } from './wpt-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer([
    (res, request) => answerWptCase(res, request, server.requests) || res.writeHead(404).end(),
  ]);
});
afterAll(() => server.close());

describe.concurrent('web-platform-tests eventsource cases over the fetch transport in Node', () => {
  it.for(wptCases)('$id ($wpt)', async (wptCase, { expect }) => {
    expect(await observe(wptCase, server.url, 'fetch')).toMatchObject(wptCase.expected);
    if (wptCase.reconnectsAfterMs !== undefined) {
      const [first, second] = requestsTo(server.requests, casePath(wptCase, 'fetch'));
      // The WPT files allow 10% either side; the upper bound is left to a loaded machine.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(wptCase.reconnectsAfterMs * 0.9);
    }
  });
});
