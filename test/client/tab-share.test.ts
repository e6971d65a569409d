import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { subscribe, type StreamOperationSpec } from '../../runtime/client/index.js';
import { subscriptionKey, tabSharingAvailable } from '../../runtime/client/tab-share.js';
import { startServer, type TestServer } from './sse-server.js';

const operation: StreamOperationSpec = {
  operationId: 'ticks',
  method: 'GET',
  path: '/ticks',
  events: { tick: { key: 'tick', contentType: 'application/json' } },
  secured: true,
};

let server: TestServer | undefined;
afterEach(() => server?.close());

describe('subscriptionKey', () => {
  it('tells identities apart by a digest that shows none of their credentials', async () => {
    const u1 = await subscriptionKey(['ticks', [['authorization', 'Bearer user-token']]]);
    const u2 = await subscriptionKey(['ticks', [['authorization', 'Bearer user2-token']]]);
    expect(u1).toMatch(/^asyncapi-sse:[0-9a-f]{64}$/);
    expect(u2).not.toBe(u1);
    expect(await subscriptionKey(['ticks', [['authorization', 'Bearer user-token']]])).toBe(u1);
  });
});

describe('shareAcrossTabs in Node', () => {
  it('connects each subscription on its own: Node has no Web Locks', async () => {
    expect(tabSharingAvailable()).toBe(false);
    server = await startServer([
      (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: tick\ndata: {"n":1}\n\n');
      },
    ]);
    const options = { baseUrl: server.url, headers: { authorization: 'Bearer user-token' }, shareAcrossTabs: true };
    const subscriptions = [subscribe<{ tick: { n: number } }>(operation, options), subscribe<{ tick: { n: number } }>(operation, options)];
    const ticks = await Promise.all(subscriptions.map((subscription) => new Promise((resolve) => subscription.on('tick', resolve))));
    expect(ticks).toEqual([{ n: 1 }, { n: 1 }]);
    expect(server.requests).toHaveLength(2);
    for (const subscription of subscriptions) subscription.close();
  });
});
