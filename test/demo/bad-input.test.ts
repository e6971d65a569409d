/** Client mistakes and greedy callers against the demo: each is a 4xx problem+json, never a 500 or a silent drop. */
import { describe, expect, it } from 'vitest';
import { AUTH, useDemo } from './harness.js';
import { RawClient } from '../runtime/helpers.js';
import { EventReader } from './sse.js';

const demo = useDemo({ tasks: { durationMs: 60_000, steps: 2 } });

async function expectProblem(response: Response, status: number | number[]): Promise<Record<string, unknown>> {
  expect([status].flat()).toContain(response.status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ status: response.status });
  return problem;
}

/** Posts a chat message to `room` (written into the path as is). */
function postChat(room: string, auth: Record<string, string> = AUTH.u1): Promise<Response> {
  return fetch(`${demo().url}/channels/${room}/messages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'hi' }) });
}

describe('bad percent-encoding in a path parameter', () => {
  it.each(['%zz', '%', '%E0%A4%A'])('GET /channels/%s/stream is a 400 problem', async (room) => {
    await expectProblem(await fetch(`${demo().url}/channels/${room}/stream`, { headers: AUTH.u1 }), 400);
  });

  it.each(['%zz', '%', '%E0%A4%A'])('POST /channels/%s/messages is a 400 problem', async (room) => {
    await expectProblem(await postChat(room), 400);
  });
});

describe('Content-Encoding on a body that is not compressed', () => {
  it.each(['gzip', 'br', 'deflate'])('%s is a 400 problem, not a zlib error', async (encoding) => {
    const response = await fetch(`${demo().url}/notifications`, {
      method: 'POST',
      headers: { ...AUTH.admin, 'content-type': 'application/json', 'content-encoding': encoding },
      body: JSON.stringify({ userId: 'u1', type: 'x', title: 't', body: 'b' }),
    });
    await expectProblem(response, [400, 415]);
  });
});

describe('Last-Event-ID given twice in the query', () => {
  it('?lastEventId=1&lastEventId=2 is a 400 problem pointing at the parameter', async () => {
    const problem = await expectProblem(await fetch(`${demo().url}/channels/general/stream?lastEventId=1&lastEventId=2`, { headers: AUTH.u1 }), 400);
    expect(problem.errors).toEqual([expect.objectContaining({ pointer: '/query/lastEventId' })]);
  });
});

describe('size limits on stored fields', () => {
  const post = (body: unknown) =>
    fetch(`${demo().url}/notifications`, { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const valid = { userId: 'u1', type: 'mention', title: 'Hello', body: 'World' };

  it.each([
    ['title', { title: 'x'.repeat(201) }],
    ['body', { body: 'x'.repeat(4001) }],
    ['userId', { userId: 'x'.repeat(101) }],
    ['type', { type: 'x'.repeat(51) }],
  ])('a notification %s past its limit is a 400 problem pointing at it', async (field, change) => {
    const problem = await expectProblem(await post({ ...valid, ...change }), 400);
    expect(JSON.stringify(problem.errors)).toContain(`/body/${field}`);
  });

  it('a notification within the limits is accepted', async () => {
    expect((await post({ ...valid, title: 'x'.repeat(200), body: 'x'.repeat(4000) })).status).toBe(202);
  });

  it('a room name past 64 characters is a 400 problem on both the stream and the post', async () => {
    const room = 'r'.repeat(65);
    await expectProblem(await fetch(`${demo().url}/channels/${room}/stream`, { headers: AUTH.u1 }), 400);
    await expectProblem(await postChat(room), 400);
  });
});

describe('per-identity quotas', () => {
  it('anonymous callers exhaust only their shared task quota; a signed-in caller still starts tasks', async () => {
    let status = 202;
    let refused: Response | undefined;
    for (let i = 0; i < 1001 && status === 202; i++) {
      const response = await fetch(`${demo().url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      status = response.status;
      if (status !== 202) refused = response;
      else await response.body?.cancel();
    }
    expect(refused).toBeDefined();
    await expectProblem(refused!, 429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    const signedIn = await fetch(`${demo().url}/tasks`, { method: 'POST', headers: { ...AUTH.u2, 'content-type': 'application/json' }, body: '{}' });
    expect(signedIn.status).toBe(202);
  });

  it('one identity posting notifications past its quota gets 429 with Retry-After; another identity is unaffected', async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 1000 && !refused; i++) {
      const response = await fetch(`${demo().url}/notifications`, {
        method: 'POST',
        headers: { ...AUTH.u1, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'u2', type: 'spam', title: `n${i}`, body: '' }),
      });
      if (response.status !== 202) refused = response;
    }
    expect(refused).toBeDefined();
    await expectProblem(refused!, 429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await fetch(`${demo().url}/notifications`, {
      method: 'POST',
      headers: { ...AUTH.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u2', type: 'ok', title: 'fine', body: '' }),
    });
    expect(other.status).toBe(202);
  });

  it('one identity posting chat messages past its quota gets 429; another identity still posts', async () => {
    const postAs = (auth: Record<string, string>) => postChat('quota', auth);
    let refused: Response | undefined;
    for (let i = 0; i < 1000 && !refused; i++) {
      const response = await postAs(AUTH.u1);
      if (response.status !== 202) refused = response;
    }
    expect(refused).toBeDefined();
    await expectProblem(refused!, 429);
    expect((await postAs(AUTH.u2)).status).toBe(202);
  });
});

describe('GET /logs/stream is for admins only', () => {
  it('anonymous callers get 401 and users without the admin role 403', async () => {
    await expectProblem(await fetch(`${demo().url}/logs/stream?follow=false`), 401);
    await expectProblem(await fetch(`${demo().url}/logs/stream?follow=false`, { headers: AUTH.u1 }), 403);
  });

  it('an admin reads it', async () => {
    demo().demo.logs.write('info', 'billing', 'for the admin');
    const reader = await EventReader.open(`${demo().url}/logs/stream?follow=false&service=billing`, { headers: AUTH.admin });
    expect(reader.response.status).toBe(200);
    expect((await reader.rest()).map((event) => JSON.parse(event.data).message)).toContain('for the admin');
  });
});

describe('requests Node refuses to parse', () => {
  it.each([
    ['a bare CR in a header', 'GET /prices/stream HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
    ['an unknown method', 'BREW /prices/stream HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['both Content-Length and Transfer-Encoding', 'POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', 400],
  ])('%s is a problem+json %i from the demo', async (_what, request, status) => {
    const client = await RawClient.open(demo().port, request);
    await client.waitForEnd();
    expect(client.status).toBe(status);
    expect(client.header('content-type')).toBe('application/problem+json');
  });
});
