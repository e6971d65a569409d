import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseApp, HttpProblem, type ConnectionManager, type Identity, type SseApp, type SecurityRequirement, type SseStream } from '../../runtime/index.js';
import { channelStreamEndpoint, compile, listen, RawClient, receiveEndpoint, service, streamEndpoint, waitUntil, type Running } from './helpers.js';

const bearer: SecurityRequirement = { schemes: [{ name: 'token', type: 'http', scheme: 'bearer' }], scopes: ['read'] };
const identities: Record<string, Identity> = {
  alice: { id: 'alice', scopes: ['read'], roles: ['member'] },
  noscope: { id: 'bob', scopes: [], roles: ['member'] },
  norole: { id: 'carol', scopes: ['read'], roles: ['guest'] },
};

const spec = service(
  channelStreamEndpoint({
    params: compile({ type: 'object', properties: { channel: { enum: ['general', 'random'] } }, required: ['channel'] }),
    query: compile({ type: 'object', properties: { interval: { type: 'integer', minimum: 1 } } }),
    security: [bearer],
    roles: ['member', 'admin'],
    maxConnectionsPerIdentity: 1,
    retryMs: 3000,
  }),
  receiveEndpoint({
    operationId: 'postMessage',
    path: '/channels/:channel/messages',
    specPath: '/channels/{channel}/messages',
    paramNames: ['channel'],
    body: compile({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false }),
  }),
  streamEndpoint({ operationId: 'public', path: '/public' }),
  receiveEndpoint({ operationId: 'note', path: '/note', body: compile({ type: 'string' }) }),
  receiveEndpoint({ operationId: 'textNote', path: '/notes/:id', paramNames: ['id'], contentType: 'text/plain', body: compile({ type: 'string', minLength: 1 }) }),
  streamEndpoint({
    operationId: 'withHeader',
    path: '/with-header',
    headers: compile({ type: 'object', properties: { 'x-client': { type: 'string', minLength: 3 } }, required: ['x-client'] }),
  }),
);
spec.document = { asyncapi: '3.0.0', info: { title: 'Test service', version: '1.0.0' } };

const handlers = {
  channelStream: (stream: SseStream<{ tick: unknown }>, context: { query: unknown; identity: Identity | null }) => {
    stream.send('tick', { query: context.query, identity: stream.identity?.id, same: context.identity === stream.identity });
    return stream.closed;
  },
  withHeader: (stream: SseStream<{ tick: unknown }>) => stream.closed,
  postMessage: () => undefined,
  note: () => undefined,
  textNote: ({ params, body }: { params: { id: string }; body: string }) => {
    if (params.id !== '1') throw new HttpProblem(404, `No note ${params.id}`);
    return { status: 200, body: { text: body } };
  },
  public: (stream: SseStream<{ tick: unknown }>) => stream.closed,
};

type Connections = Record<'channelStream' | 'public' | 'withHeader', ConnectionManager<{ tick: unknown }>>;
let app: SseApp<Connections>;
let running: Running;
beforeAll(async () => {
  app = createSseApp<Connections>(spec, handlers, {
    authenticate: (req) => identities[req.get('authorization')?.replace(/^Bearer /, '') ?? ''] ?? null,
    bodyLimit: 1024,
    maxConnections: 3,
    logger: { warn() {}, error() {} },
  });
  running = await listen(app);
});
afterAll(() => running.close());

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function expectProblem(response: Response, status: number): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ type: 'about:blank', status });
  expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts/);
  return problem;
}

describe('requests refused before a stream opens', () => {
  it('400 lists every failing JSON pointer of params and query, an enum with its allowed values', async () => {
    const response = await fetch(`${running.url}/channels/nope/stream?interval=abc`, { headers: auth('alice') });
    const problem = await expectProblem(response, 400);
    expect(problem.errors).toEqual([
      { pointer: '/params/channel', message: 'must be equal to one of the allowed values: "general", "random"' },
      { pointer: '/query/interval', message: 'must be integer' },
    ]);
  });

  it('400 points at a failing header', async () => {
    const problem = await expectProblem(await fetch(`${running.url}/with-header`, { headers: { 'X-Client': 'ab' } }), 400);
    expect(problem.errors).toEqual([{ pointer: '/headers/x-client', message: 'must NOT have fewer than 3 characters' }]);
  });

  it('hands the coerced query and the identity to the handler and the connection manager', async () => {
    const client = await RawClient.get(running.port, '/channels/general/stream?interval=5', auth('alice'));
    await client.waitFor((c) => c.events().length === 1);
    expect(JSON.parse(client.events()[0]!.data)).toEqual({ query: { interval: 5 }, identity: 'alice', same: true });
    expect(app.sse.connections.channelStream.list().map((c) => c.identity)).toEqual([identities.alice]);
    client.close();
  });

  it('serves the AsyncAPI document', async () => {
    expect(await (await fetch(`${running.url}/asyncapi.json`)).json()).toEqual(spec.document);
  });

  it('400 for a body that breaks its schema, 413 for one over the limit', async () => {
    const post = (body: string) =>
      fetch(`${running.url}/channels/general/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const invalid = await expectProblem(await post('{"txt":"hi"}'), 400);
    expect(invalid.errors).toEqual([
      { pointer: '/body/text', message: "must have required property 'text'" },
      { pointer: '/body/txt', message: 'must NOT have additional properties' },
    ]);
    const malformed = await expectProblem(await post('{"text":'), 400);
    expect(malformed.errors).toEqual([{ pointer: '/body', message: 'must be valid JSON' }]);
    await expectProblem(await post(JSON.stringify({ text: 'x'.repeat(2000) })), 413);
    expect((await post('{"text":"hi"}')).status).toBe(202);
    const primitive = await fetch(`${running.url}/note`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '"just a string"' });
    expect(primitive.status).toBe(202);
  });

  it('reads text/plain bodies, answers with what a receive handler returns or throws', async () => {
    const post = (id: string, body: string) => fetch(`${running.url}/notes/${id}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
    const ok = await post('1', 'line one\nline two');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ text: 'line one\nline two' });
    const missing = await expectProblem(await post('2', 'x'), 404);
    expect(missing.detail).toBe('No note 2');
    const empty = await expectProblem(await post('1', ''), 400);
    expect(empty.errors).toEqual([{ pointer: '/body', message: 'must NOT have fewer than 1 characters' }]);
  });

  it('401 with a WWW-Authenticate challenge when authenticate returns null', async () => {
    const response = await fetch(`${running.url}/channels/general/stream`);
    await expectProblem(response, 401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="Test service"');
  });

  it('403 when a required scope or role is missing', async () => {
    const scope = await expectProblem(await fetch(`${running.url}/channels/general/stream`, { headers: auth('noscope') }), 403);
    expect(scope.detail).toBe('Missing a required scope');
    const role = await expectProblem(await fetch(`${running.url}/channels/general/stream`, { headers: auth('norole') }), 403);
    expect(role.detail).toBe('Missing a required role');
  });

  it('404 for an unknown path, 405 with Allow for a wrong method', async () => {
    await expectProblem(await fetch(`${running.url}/nowhere`), 404);
    const response = await fetch(`${running.url}/channels/general/stream`, { method: 'DELETE' });
    await expectProblem(response, 405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('429 with Retry-After past the per-identity cap', async () => {
    const first = await RawClient.get(running.port, '/channels/random/stream', auth('alice'));
    await first.waitFor((c) => c.status === 200);
    const response = await fetch(`${running.url}/channels/general/stream`, { headers: auth('alice') });
    await expectProblem(response, 429);
    expect(response.headers.get('retry-after')).toBe('3');
    first.close();
  });

  it('503 past the global cap', async () => {
    const { channelStream, public: open } = app.sse.connections;
    await waitUntil(() => channelStream.count() + open.count() === 0, 2000, 'earlier streams to close');
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.get(running.port, '/public')));
    await Promise.all(clients.map((client) => client.waitFor((c) => c.status === 200)));
    const response = await fetch(`${running.url}/public`);
    await expectProblem(response, 503);
    expect(response.headers.get('retry-after')).toBe('5');
    for (const client of clients) client.close();
  });
});

describe('creating an app', () => {
  it('names what is missing or wrong instead of failing later', () => {
    expect(() => createSseApp(spec, { ...handlers, channelStream: undefined }, { authenticate: () => null })).toThrow(
      'No handler for operation "channelStream"',
    );
    expect(() => createSseApp(spec, handlers)).toThrow('Operation "channelStream" declares security but no authenticate option was given');
    expect(() => createSseApp(spec, handlers, { authenticate: () => null, heartbeatMs: 0 })).toThrow('Option heartbeatMs must be a positive number, got 0');
  });

  it('takes no inherited member of an object for the handler of an operation named after it', () => {
    const named = service(streamEndpoint({ operationId: 'constructor' }), streamEndpoint({ operationId: 'toString', path: '/other' }));
    expect(() => createSseApp(named, {})).toThrow('No handler for operation "constructor"');
    expect(() => createSseApp(named, { constructor: () => {} })).toThrow('No handler for operation "toString"');
    type Streams = ConnectionManager<Record<string, unknown>>;
    const app = createSseApp<{ constructor: Streams; toString: Streams }>(named, { constructor: () => {}, toString: () => {} });
    expect(app.sse.connections.constructor.count()).toBe(0);
  });
});
