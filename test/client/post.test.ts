import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, post, type PostOperationSpec } from '../../runtime/client/index.js';
import { answerProblem, startServer, type TestServer } from './sse-server.js';

const sendMessage: PostOperationSpec = {
  operationId: 'sendMessage',
  method: 'POST',
  path: '/channels/{channel}/messages',
  contentType: 'application/json',
};

let server: TestServer | undefined;
afterEach(() => server?.close());

describe('post()', () => {
  it('sends the body as JSON with fresh headers and resolves undefined for an empty 202', async () => {
    server = await startServer([(res) => res.writeHead(202).end()]);
    const result = await post(
      sendMessage,
      { baseUrl: server.url, headers: () => ({ authorization: 'Bearer fresh' }) },
      { params: { channel: 'general' }, body: { content: 'hi' } },
    );
    expect(result).toBeUndefined();
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/channels/general/messages', body: '{"content":"hi"}' });
    expect(server.requests[0]?.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer fresh' });
  });

  it("sends the call's own headers as strings, over the client's", async () => {
    server = await startServer([(res) => res.writeHead(202).end()]);
    await post(
      sendMessage,
      { baseUrl: server.url, headers: { 'Idempotency-Key': 'from-options', Authorization: 'Bearer t' } },
      { params: { channel: 'c' }, body: {}, headers: { 'IDEMPOTENCY-KEY': 'order-0001', 'x-priority': 3, 'x-unset': undefined } },
    );
    expect(server.requests[0]?.headers).toMatchObject({ 'idempotency-key': 'order-0001', 'x-priority': '3', authorization: 'Bearer t' });
    expect(server.requests[0]?.headers).not.toHaveProperty('x-unset');
  });

  it('resolves with the parsed JSON response body', async () => {
    server = await startServer([(res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"taskId":"t1"}')]);
    const result = await post({ ...sendMessage, path: '/tasks' }, { baseUrl: server.url }, { body: {} });
    expect(result).toEqual({ taskId: 't1' });
  });

  it('sends text/plain bodies as they are', async () => {
    server = await startServer([(res) => res.writeHead(202).end()]);
    await post({ ...sendMessage, contentType: 'text/plain' }, { baseUrl: server.url }, { params: { channel: 'c' }, body: 'line 1\nline 2' });
    expect(server.requests[0]?.body).toBe('line 1\nline 2');
    expect(server.requests[0]?.headers['content-type']).toBe('text/plain');
  });

  it('rejects with an HttpError carrying the status and the problem body', async () => {
    server = await startServer([(res) => answerProblem(res, 400)]);
    const failure = post(sendMessage, { baseUrl: server.url }, { params: { channel: 'c' }, body: {} });
    await expect(failure).rejects.toBeInstanceOf(HttpError);
    await expect(failure).rejects.toMatchObject({ status: 400, problem: { title: 'Status 400', status: 400 } });
  });

  it('refuses to send without a path parameter', async () => {
    await expect(post(sendMessage, { baseUrl: 'http://127.0.0.1:9' }, { body: {} })).rejects.toThrow(
      'Missing path parameter "channel"',
    );
  });
});
