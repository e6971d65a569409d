/**
 * A contract test of the demo under `node --test` (run by node-test.test.ts). With
 * `BREAK_PRICES=1`, the prices handler sends an invalid event, and the suite must fail at it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectProblem } from 'asyncapi-sse/testing';
import { openDemo, U1, U2 } from './demo-service.js';

const broken = process.env.BREAK_PRICES === '1';
let t: Awaited<ReturnType<typeof openDemo>>;

before(async () => {
  t = await openDemo({}, broken ? { streamPrices: async (stream) => {
    stream.send('priceUpdate', { symbol: 'ACME', price: -1, change: 0, timestamp: 1 });
    await stream.closed;
  } } : {});
});
after(() => t.close());

test('streamPrices sends price updates', async () => {
  const prices = await t.open.streamPrices();
  const update = await prices.next('priceUpdate');
  assert.equal(typeof update.symbol, 'string');
  prices.close();
});

test('a chat message reaches the room', async () => {
  const room = await t.as(U1).open.streamChatRoom({ params: { channel: 'node' } });
  await t.as(U2).post.postChannelMessage({ params: { channel: 'node' }, body: { content: 'hi' } });
  assert.equal((await room.next('message')).content, 'hi');
  room.close();
});

test('an anonymous caller is refused', async () => {
  await expectProblem(t.post.postChannelMessage({ params: { channel: 'node' }, body: { content: 'hi' } }), { status: 401 });
});
