import { describe, expect, it } from 'vitest';
import { AUTH, expectStreamLimit, useDemo } from './harness.js';
import { EventReader } from './sse.js';

const demo = useDemo();

function notify(body: unknown, headers: Record<string, string> = AUTH.admin): Promise<Response> {
  return fetch(`${demo().url}/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const stream = (headers: Record<string, string>) => EventReader.open(`${demo().url}/notifications/stream`, { headers });

describe('notifications', () => {
  it('sends unread notifications first, then new ones to that user only', async () => {
    expect((await notify({ userId: 'u1', type: 'mention', title: 'Before', body: 'stored' })).status).toBe(202);
    const u1 = await stream(AUTH.u1);
    const u1Again = await stream(AUTH.u1);
    const u2 = await stream(AUTH.u2);
    const [unread] = await u1.take(1);
    expect(unread).toMatchObject({ event: 'unread' });
    expect(JSON.parse(unread!.data)).toMatchObject({ userId: 'u1', type: 'mention', title: 'Before', body: 'stored' });
    await u1Again.take(1);

    expect((await notify({ userId: 'u1', type: 'mention', title: 'Live', body: 'hello' })).status).toBe(202);
    expect((await notify({ userId: 'u2', type: 'info', title: 'For u2', body: '' })).status).toBe(202);
    for (const reader of [u1, u1Again]) {
      const [live] = await reader.take(1);
      expect(live!.event).toBe('new');
      expect(JSON.parse(live!.data)).toMatchObject({ userId: 'u1', title: 'Live', body: 'hello' });
    }
    const [forU2] = await u2.take(1);
    expect(forU2!.event).toBe('new');
    expect(JSON.parse(forU2!.data)).toMatchObject({ userId: 'u2', title: 'For u2' });
    for (const reader of [u1, u1Again, u2]) reader.close();
  });

  it('refuses a stream without a token or with an unknown one (401)', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic dTE6eA==' }];
    for (const headers of attempts) {
      const response = await fetch(`${demo().url}/notifications/stream`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('refuses an identity without the notifications:read scope (403)', async () => {
    const response = await fetch(`${demo().url}/notifications/stream`, { headers: AUTH.admin });
    expect(response.status).toBe(403);
    expect((await response.json()).detail).toMatch(/scope/);
  });

  it('refuses a sixth open stream of one identity (429 with Retry-After), and admits it again once one closes', async () => {
    const open = await expectStreamLimit(() => stream(AUTH.u2));
    const otherUser = await stream(AUTH.u1);
    expect(otherUser.response.status).toBe(200);
    otherUser.close();
    open[0]!.close();
    await expect.poll(async () => {
      const again = await stream(AUTH.u2);
      again.close();
      return again.response.status;
    }).toBe(200);
    for (const reader of open) reader.close();
  });

  it('refuses to create a notification without a token (401) or with an invalid body (400)', async () => {
    expect((await notify({ userId: 'u1', type: 'x', title: 't', body: '' }, {})).status).toBe(401);
    const invalid = await notify({ userId: 'u1', title: '', body: 1 });
    expect(invalid.status).toBe(400);
    const [error] = (await invalid.json()).errors;
    expect(['/body/type', '/body/title', '/body/body']).toContain(error.pointer);
  });
});
