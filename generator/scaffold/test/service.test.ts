/** The generated client against the running server: `npm test`. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { createClient } from '../generated/client/index.js';
import { createApp } from '../generated/server.js';
import handlers from '../handlers/index.js';

const app = createApp(handlers);
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const client = createClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });

after(async () => {
  await app.sse.close();
  server.close();
});

test('streamTicks sends typed tick events', async () => {
  for await (const { event, data } of client.streamTicks()) {
    assert.equal(event, 'tick');
    assert.equal(typeof data.count, 'number');
    break; // leaving the loop closes the stream
  }
});

test('streamCountdown takes a JSON body', async () => {
  for await (const { data } of client.streamCountdown({ body: { from: 3 } })) {
    assert.equal(typeof data.remaining, 'number');
    break;
  }
});

test('sendGreeting is accepted', async () => {
  await client.sendGreeting({ body: { name: 'Ada' } });
});
