/**
 * Contract tests of the service over real sockets (`npm test`): every event received is checked
 * against its schema in asyncapi.yaml, so a handler that sends an invalid one fails here.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { expectProblem, openTestService } from 'asyncapi-sse/testing';
import { createClient } from '../generated/client/index.js';
import { createApp, service } from '../generated/server.js';
import handlers from '../handlers/index.js';

const t = await openTestService({ service, createApp, createClient, handlers });
after(() => t.close());

test('streamTicks sends tick events', async () => {
  const ticks = await t.open.streamTicks();
  const tick = await ticks.next('tick');
  assert.ok(tick.count >= 0);
  ticks.close();
});

test('streamCountdown takes a JSON body', async () => {
  const countdown = await t.open.streamCountdown({ body: { from: 3 } });
  const { remaining } = await countdown.next('remaining');
  assert.ok(remaining <= 3);
  countdown.close();
});

test('sendGreeting accepts a greeting, and refuses an empty name', async () => {
  await t.post.sendGreeting({ body: { name: 'Ada' } });
  await expectProblem(t.post.sendGreeting({ body: { name: '' } }), { status: 400, pointer: '/body/name' });
});
