import { describe, expect, it } from 'vitest';
import { AUTH, expectStreamLimit, useDemo } from './harness.js';
import { EventReader, type EventSourceMessage } from './sse.js';

const demo = useDemo();

const room = (channel: string, headers: Record<string, string>, lastEventId?: string) =>
  EventReader.open(`${demo().url}/channels/${channel}/stream`, {
    headers: lastEventId === undefined ? headers : { ...headers, 'last-event-id': lastEventId },
  });

/** Posts `{content}`, or `body` when given. */
function say(channel: string, content: unknown, headers: Record<string, string> = AUTH.u1, body: unknown = { content }): Promise<Response> {
  return fetch(`${demo().url}/channels/${channel}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const payload = (event: EventSourceMessage) => JSON.parse(event.data);

describe('chat rooms', () => {
  it('tells everyone in the room who joins, what is said and who leaves', async () => {
    const u1 = await room('lobby', AUTH.u1);
    const [ownJoin] = await u1.take(1);
    expect(ownJoin!.event).toBe('join');
    expect(payload(ownJoin!)).toMatchObject({ channel: 'lobby', userId: 'u1' });

    const u2 = await room('lobby', AUTH.u2);
    const u2Sees = await u2.take(2);
    expect(u2Sees.map((event) => [event.event, payload(event).userId])).toEqual([['join', 'u1'], ['join', 'u2']]);
    const [u2Joined] = await u1.take(1);
    expect([u2Joined!.event, payload(u2Joined!).userId]).toEqual(['join', 'u2']);

    expect((await say('lobby', 'hello', AUTH.u2)).status).toBe(202);
    for (const reader of [u1, u2]) {
      const [message] = await reader.take(1);
      expect(message!.event).toBeUndefined();
      expect(payload(message!)).toMatchObject({ channel: 'lobby', userId: 'u2', content: 'hello' });
      expect(message!.id).toMatch(/^[0-9a-z]{8}-[1-9][0-9]*$/);
    }

    u2.close();
    const [left] = await u1.take(1);
    expect([left!.event, payload(left!).userId]).toEqual(['leave', 'u2']);
    u1.close();
  });

  it('delivers content with newlines and event: lines as one message event with that exact text', async () => {
    const reader = await room('raw', AUTH.u1);
    await reader.take(1);
    const content = 'line one\nevent: leave\ndata: {"forged":true}\r\n\nid: 999\nretry: 1';
    expect((await say('raw', content)).status).toBe(202);
    const [message] = await reader.take(1);
    reader.close();
    expect(message!.event).toBeUndefined();
    expect(payload(message!).content).toBe(content);
  });

  it('replays what a reconnecting client missed after its Last-Event-ID, and nothing else', async () => {
    const first = await room('replay', AUTH.u1);
    await first.take(1);
    await say('replay', 'one');
    const [one] = await first.take(1);
    first.close();
    await say('replay', 'two');
    await say('replay', 'three');
    const again = await room('replay', AUTH.u1, one!.id);
    const missed: string[] = [];
    while (missed.length < 2) {
      const [event] = await again.take(1);
      if (event!.event === undefined) missed.push(payload(event!).content);
    }
    expect(missed).toEqual(['two', 'three']);
    again.close();
  });

  it('tells the others, not the typist, that someone is typing, and replays it to a member who comes back', async () => {
    const u1 = await room('typing', AUTH.u1);
    const u2 = await room('typing', AUTH.u2);
    await u1.take(2);
    await u2.take(2);
    expect((await say('typing', undefined, AUTH.u2, { typing: true })).status).toBe(202);
    await say('typing', 'after typing', AUTH.u2);
    const [notice, message] = await u1.take(2);
    // Addressed to part of the room, it takes no place of the room's history: `<epoch>-<n>.<k>`.
    expect(notice!.event).toBe('typing');
    expect(notice!.id).toMatch(/^[0-9a-z]{8}-[0-9]+\.[1-9][0-9]*$/);
    expect(payload(notice!)).toEqual({ channel: 'typing', userId: 'u2' });
    expect(payload(message!).content).toBe('after typing');
    const [ownMessage] = await u2.take(1);
    expect(payload(ownMessage!).content).toBe('after typing');
    expect((await say('typing', undefined, AUTH.u2, { typing: false })).status).toBe(400);

    u1.close();
    const [left] = await u2.take(1);
    expect([left!.event, payload(left!).userId]).toEqual(['leave', 'u1']);
    expect((await say('typing', undefined, AUTH.u2, { typing: true })).status).toBe(202);
    const back = await room('typing', AUTH.u1, message!.id);
    const replayed = await back.take(2);
    expect(replayed.map((event) => [event.event, payload(event).userId])).toEqual([
      ['leave', 'u1'],
      ['typing', 'u2'],
    ]);
    back.close();
    u2.close();
  });

  it('keeps rooms apart', async () => {
    const here = await room('here', AUTH.u1);
    const there = await room('there', AUTH.u2);
    await here.take(1);
    await there.take(1);
    await say('there', 'only there', AUTH.u2);
    await say('here', 'only here');
    const [message] = await here.take(1);
    expect(payload(message!).content).toBe('only here');
    here.close();
    there.close();
  });

  it('refuses streams and posts without a token (401)', async () => {
    expect((await fetch(`${demo().url}/channels/lobby/stream`)).status).toBe(401);
    expect((await say('lobby', 'hi', {})).status).toBe(401);
  });

  it('refuses an empty or oversized message (400)', async () => {
    for (const content of ['', 'x'.repeat(2001), 42]) {
      const response = await say('lobby', content);
      expect(response.status).toBe(400);
      expect((await response.json()).errors[0].pointer).toBe('/body/content');
    }
  });

  it('refuses a sixth open stream of one identity (429)', async () => {
    const open = await expectStreamLimit((index) => room(`limit-${index}`, AUTH.u2));
    for (const reader of open) reader.close();
  });

  it('admits a new stream right after an identity closed all of its streams', async () => {
    const refused: number[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const open = await Promise.all([0, 1, 2, 3, 4].map((index) => room(`again-${index}`, AUTH.u2)));
      for (const reader of open) await reader.take(1);
      for (const reader of open) reader.close();
      const reopened = await room('again-0', AUTH.u2);
      reopened.close();
      if (reopened.response.status !== 200) refused.push(attempt);
    }
    expect(refused).toEqual([]);
  });
});
