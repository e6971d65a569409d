/**
 * `asyncapi-sse/testing` on the demo spec: typed streams and calls over real sockets, replay,
 * problems with their pointers, and failures that say what arrived instead.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { ChatMessage, Presence } from '../../generated/types.js';
import { expectProblem } from 'asyncapi-sse/testing';
import { openDemo, U1, U2 } from './demo-service.js';

describe('a test of the demo service', () => {
  let t: Awaited<ReturnType<typeof openDemo>>;
  beforeAll(async () => {
    t = await openDemo();
  });
  afterAll(() => t.close());

  it('receives the events of a stream typed by the spec, and posts typed messages', async () => {
    const room = await t.as(U1).open.streamChatRoom({ params: { channel: 'typed' } });
    const joined = await room.next('join');
    expectTypeOf(joined).toEqualTypeOf<Presence>();
    expect(joined).toMatchObject({ channel: 'typed', userId: 'u1' });

    await t.as(U2).post.postChannelMessage({ params: { channel: 'typed' }, body: { content: 'hello' } });
    const message = await room.next('message');
    expectTypeOf(message).toEqualTypeOf<ChatMessage>();
    expect(message).toMatchObject({ userId: 'u2', content: 'hello' });
    // @ts-expect-error the chat stream sends no `priceUpdate`
    await expect(room.next('priceUpdate', { timeoutMs: 1 })).rejects.toThrow();
    room.close();
  });

  it('skips events of other names on the way, and keeps all it received', async () => {
    const room = await t.as(U1).open.streamChatRoom({ params: { channel: 'skip' } });
    await t.as(U2).post.postChannelMessage({ params: { channel: 'skip' }, body: { content: 'one' } });
    expect(await room.next('message')).toMatchObject({ content: 'one' });
    expect(room.received.map(({ event }) => event)).toEqual(['join', 'message']);
    room.close();
  });

  it('reconnects with the last event id and receives what it missed', async () => {
    const channel = { params: { channel: 'replay' } };
    const room = await t.as(U1).open.streamChatRoom(channel);
    await t.as(U2).post.postChannelMessage({ ...channel, body: { content: 'seen' } });
    await room.next('message');
    expect(room.lastEventId).not.toBe(null);
    const seenId = room.lastEventId;
    room.close();
    await t.as(U2).post.postChannelMessage({ ...channel, body: { content: 'missed' } });

    const resumed = await room.reconnect();
    expect(await resumed.next('message')).toMatchObject({ content: 'missed' });
    expect(resumed.received.filter(({ event }) => event === 'message').map(({ data }) => data)).toEqual([expect.objectContaining({ content: 'missed' })]);
    expect(resumed.lastEventId).not.toBe(seenId);
    resumed.close();
  });

  it('expects problems by status and pointer, for calls and for streams', async () => {
    const problem = await expectProblem(t.as(U2).post.postChannelMessage({ params: { channel: 'x' }, body: { content: 42 } as never }), { status: 400, pointer: '/body/content' });
    expect(problem.title).toBe('Bad Request');
    await expectProblem(t.open.streamChatRoom({ params: { channel: 'x' } }), { status: 401 });
    await expectProblem(() => t.as(U1).open.streamMetrics(), { status: 403 });
  });

  it('fails an expected problem with what came back instead', async () => {
    await expect(expectProblem(t.post.createTask({ body: { label: 5 } as never }), { status: 400, pointer: '/body/name' })).rejects.toThrow(
      /^expected a 400 problem at \/body\/name, got 400 .*"pointer":"\/body\/label"/,
    );
    await expect(expectProblem(t.as(U2).post.postChannelMessage({ params: { channel: 'x' }, body: { content: 'fine' } }), { status: 400 })).rejects.toThrow(
      'expected a 400 problem, but the call succeeded',
    );
    await expect(expectProblem(t.as(U1).open.streamChatRoom({ params: { channel: 'x' } }), { status: 401 })).rejects.toThrow(
      'expected a 401 problem, but streamChatRoom opened',
    );
  });

  it('fails `next` after its timeout, listing what arrived instead', async () => {
    const room = await t.as(U1).open.streamChatRoom({ params: { channel: 'quiet' } });
    const failure = room.next('leave', { timeoutMs: 300 });
    await expect(failure).rejects.toThrow(/^streamChatRoom: no event "leave" within 300 ms\n {2}arrived meanwhile:\n {4}event "join" \(id \S+\): \{"channel":"quiet","userId":"u1"/);
    room.close();
  });

  it('fails `expectNoEvent` when one arrives', async () => {
    const room = await t.as(U1).open.streamChatRoom({ params: { channel: 'typing' } });
    await room.next('join');
    await t.as(U1).post.postChannelMessage({ params: { channel: 'typing' }, body: { typing: true } });
    await room.expectNoEvent('typing', 300); // a typing notice goes to the others only
    const check = room.expectNoEvent(undefined, 300);
    await t.as(U2).post.postChannelMessage({ params: { channel: 'typing' }, body: { typing: true } });
    await expect(check).rejects.toThrow(/^streamChatRoom: expected no event within 300 ms, but got event "typing"/);
    room.close();
  });
});

describe('a handler that sends an invalid event', () => {
  let t: Awaited<ReturnType<typeof openDemo>>;
  beforeAll(async () => {
    t = await openDemo({}, {
      streamPrices: async (stream) => {
        stream.send('priceUpdate', { symbol: 'ACME', price: 1, change: 0, timestamp: Date.now() });
        stream.send('priceUpdate', { symbol: 42, price: 1, change: 0, timestamp: 1 } as never);
        await stream.closed;
      },
    });
  });
  afterAll(() => t.close());

  it('fails the test at that event, showing the event and the schema error', async () => {
    const prices = await t.open.streamPrices();
    const failure = (async () => {
      for (;;) await prices.next('priceUpdate');
    })();
    await expect(failure).rejects.toThrow(/^streamPrices: waiting for event "priceUpdate", got event "priceUpdate" that does not match its schema: \/symbol must be string.*\n {6}payload: \{"symbol":42,"price":1,"change":0,"timestamp":1\}/);
    prices.close();
  });
});

describe('a handler that throws', () => {
  let t: Awaited<ReturnType<typeof openDemo>>;
  beforeAll(async () => {
    const logger = { warn: () => {}, error: () => {} };
    t = await openDemo({ appOptions: { logger } }, {
      streamPrices: async () => {
        throw new Error('the price feed is down');
      },
    });
  });
  afterAll(() => t.close());

  it('fails `next` with what the app logged', async () => {
    const prices = await t.open.streamPrices();
    await expect(prices.next('priceUpdate', { timeoutMs: 300 })).rejects.toThrow(/\n {2}the server logged:\n {4}error: .*the price feed is down/);
    expect(t.serverLog.join('\n')).toContain('the price feed is down');
    prices.close();
  });
});
