import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { appServerOptions, createSseApp, createSseRouter, type SseStream } from '../../runtime/index.js';
import { RawClient, service, streamEndpoint } from './helpers.js';

type Events = { tick: { n: number } };

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listening(server: Server): Promise<number> {
  servers.push(server);
  if (!server.listening) await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** One tick, then the stream completes; the socket stays open for the next request. */
function oneTickApp() {
  return createSseApp(service(streamEndpoint()), {
    stream: (stream: SseStream<Events>) => stream.send('tick', { n: 1 }),
  });
}

/** A completed stream, then a 404, on one kept-alive socket; `Date` headers removed. */
async function keepAliveExchange(port: number): Promise<string> {
  const client = await RawClient.open(port, 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  await client.waitFor((c) => c.text.endsWith('0\r\n\r\n'), 5000, 'end of the first response');
  client.socket.write('GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await client.waitForEnd();
  return client.text.replace(/^Date: .*\r\n/gim, '');
}

describe('app.listen', () => {
  it('puts the same bytes on the wire as a plain http.createServer(app), across a kept-alive socket', async () => {
    const plain = oneTickApp();
    const viaNodeServer = await keepAliveExchange(await listening(createServer(plain).listen(0, '127.0.0.1')));
    const viaListen = await keepAliveExchange(await listening(oneTickApp().listen(0, '127.0.0.1')));
    expect(viaListen).toBe(viaNodeServer);
    expect(viaListen).toContain('event: tick\ndata: {"n":1}\n\n');
    expect(viaListen).toContain('HTTP/1.1 404 Not Found');
    expect(viaListen).toContain('{"type":"about:blank","title":"Not Found","status":404,"detail":"No endpoint at /nowhere"}');
  });

  it('hands a listen error to the callback, once, as Express does', async () => {
    const port = await listening(createServer().listen(0, '127.0.0.1'));
    const calls: Array<Error | undefined> = [];
    const server = oneTickApp().listen(port, '127.0.0.1', (error?: Error) => calls.push(error));
    await once(server, 'error');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
    expect((calls[0] as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('calls the callback without an error once listening', async () => {
    let calledWith: unknown = 'not called';
    const server = oneTickApp().listen(0, '127.0.0.1', (error?: Error) => (calledWith = error));
    await listening(server);
    expect(calledWith).toBeUndefined();
  });
});

describe('appServerOptions', () => {
  it('serves an existing Express app: its own routes keep req.app, res.locals and res.json, and the mounted streams work', async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.user = 'alice';
      next();
    });
    app.get('/whoami', (req, res) => void res.json({ user: res.locals.user, sameApp: req.app === app }));
    app.use(createSseRouter(service(streamEndpoint()), { stream: (stream: SseStream<Events>) => stream.send('tick', { n: 2 }) }));
    const port = await listening(createServer(appServerOptions(app), app).listen(0, '127.0.0.1'));

    const whoami = await RawClient.get(port, '/whoami');
    await whoami.waitForEnd();
    expect(JSON.parse(whoami.body)).toEqual({ user: 'alice', sameApp: true });
    const stream = await RawClient.get(port, '/stream');
    await stream.waitForEnd();
    expect(stream.events()).toEqual([{ event: 'tick', data: '{"n":2}', id: undefined }]);
  });

  it('keeps req.app the mounted app itself when that app is mounted in another one', async () => {
    const inner = express();
    inner.get('/which', (req, res) => void res.json({ inner: req.app === inner }));
    const options = appServerOptions(inner);
    const outer = express();
    outer.use('/inner', inner);
    const port = await listening(createServer(options, outer).listen(0, '127.0.0.1'));

    const which = await RawClient.get(port, '/inner/which');
    await which.waitForEnd();
    expect(JSON.parse(which.body)).toEqual({ inner: true });
  });

  it('returns the same classes for the same app', () => {
    const app = express();
    expect(appServerOptions(app)).toBe(appServerOptions(app));
  });
});

