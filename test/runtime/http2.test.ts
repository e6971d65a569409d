import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { get as httpsGet } from 'node:https';
import { connect, type ClientHttp2Session, type Http2SecureServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp2AppServer, createSseRouter, notFound, type SseStream } from '../../runtime/index.js';
import { request } from '../http2-client.js';
import { selfSignedCertificate, type Certificate } from '../tls.js';
import { compile, receiveEndpoint, service, streamEndpoint } from './helpers.js';

type Events = { tick: { n: number } };

/** Bodies the receive operation was given, in order. */
const received: unknown[] = [];

/** A stream that sends one tick and stays open, a receive operation, an app route, a mounted sub-app and 404s. */
function demoApp() {
  const app = express();
  app.post('/echo', express.json(), (req, res) => void res.json(req.body));
  const admin = express();
  admin.get('/who', (req, res) => void res.json({ mounted: req.app === admin, path: req.originalUrl }));
  app.use('/admin', admin);
  const receive = receiveEndpoint({ body: compile({ type: 'object', required: ['text'] }) });
  app.use(createSseRouter(service(streamEndpoint(), receive), {
    stream: (stream: SseStream<Events>) => {
      stream.send('tick', { n: 1 });
      return stream.closed;
    },
    receive: ({ body }: { body: unknown }) => void received.push(body),
  }));
  app.use(notFound);
  return app;
}

const hasTick = (body: string) => body.includes('event: tick\ndata: {"n":1}\n\n');

async function listening(server: Http2Server | Http2SecureServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Http2Server | Http2SecureServer | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

describe('HTTP/2 with TLS (createHttp2AppServer)', () => {
  let certificate: Certificate;
  let server: Http2SecureServer;
  let port: number;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    certificate = await selfSignedCertificate();
    server = createHttp2AppServer(demoApp(), { cert: certificate.cert, key: certificate.key });
    port = await listening(server);
    session = connect(`https://127.0.0.1:${port}`, { ca: certificate.cert });
  });
  afterAll(async () => {
    session?.close();
    await closeServer(server);
    await certificate?.remove();
  });

  it('streams events over HTTP/2, without HTTP/1.1 connection headers', async () => {
    const response = await request(session, { ':path': '/stream' }, undefined, hasTick);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers).not.toHaveProperty('connection');
    expect(hasTick(response.body)).toBe(true);
  });

  it('reads JSON bodies, runs mounted sub-apps and answers unknown paths with problem+json over HTTP/2', async () => {
    // Like browsers and curl; body-parser reads no body a request does not announce.
    const echo = await request(session, { ':method': 'POST', ':path': '/echo', 'content-type': 'application/json', 'content-length': 7 }, '{"a":1}');
    expect([echo.status, JSON.parse(echo.body)]).toEqual([200, { a: 1 }]);
    const who = await request(session, { ':path': '/admin/who' });
    expect(JSON.parse(who.body)).toEqual({ mounted: true, path: '/admin/who' });
    const missing = await request(session, { ':path': '/nowhere' });
    expect([missing.status, missing.headers['content-type']]).toEqual([404, 'application/problem+json; charset=utf-8']);
  });

  it('reads a body sent without content-length (legal in HTTP/2: the stream\'s end marks its end)', async () => {
    received.length = 0;
    const posted = await request(session, { ':method': 'POST', ':path': '/messages', 'content-type': 'application/json' }, '{"text":"hi"}');
    expect(posted.status).toBe(202);
    expect(received).toEqual([{ text: 'hi' }]);
    // A request without body (END_STREAM on its headers) still reads as none.
    const empty = await request(session, { ':method': 'POST', ':path': '/messages', 'content-type': 'application/json' });
    expect([empty.status, JSON.parse(empty.body).errors]).toEqual([400, [{ pointer: '/body', message: expect.any(String) }]]);
  });

  it('answers HTTP/1.1 clients on the same port', async () => {
    const response = await new Promise<{ status: number; version: string; body: string }>((resolve, reject) => {
      const req = httpsGet(`https://127.0.0.1:${port}/stream`, { ca: certificate.cert }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
          if (!hasTick(body)) return;
          req.destroy();
          resolve({ status: res.statusCode!, version: res.httpVersion, body });
        });
      });
      req.on('error', reject);
    });
    expect(response).toMatchObject({ status: 200, version: '1.1' });
  });
});

describe('cleartext HTTP/2 with prior knowledge (h2c)', () => {
  let server: Http2Server;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    server = createHttp2AppServer(demoApp());
    session = connect(`http://127.0.0.1:${await listening(server)}`);
  });
  afterAll(async () => {
    session?.close();
    await closeServer(server);
  });

  it('streams events', async () => {
    const response = await request(session, { ':path': '/stream' }, undefined, hasTick);
    expect(response.status).toBe(200);
    expect(hasTick(response.body)).toBe(true);
  });
});

const curl = spawnSync('curl', ['--version']).status === 0;
if (!curl && process.env.REQUIRE_NGINX === '1') throw new Error('REQUIRE_NGINX=1 but curl is missing (apt-get install curl)');

/** curl's output once it shows a tick, while the stream is still open (so nothing waited for the end). */
async function curlUntilTick(args: string[]): Promise<string> {
  const child = spawn('curl', ['--silent', '--no-buffer', '--include', ...args]);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 5000;
  while (!hasTick(output.replaceAll('\r\n', '\n')) && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const stillOpen = child.exitCode === null;
  child.kill();
  await exited;
  expect(stillOpen, `curl ended or timed out:\n${output}`).toBe(true);
  return output;
}

describe.skipIf(!curl)('curl over HTTP/2 (skipped without curl)', () => {
  let certificate: Certificate;
  let tls: Http2SecureServer;
  let h2c: Http2Server;

  beforeAll(async () => {
    certificate = await selfSignedCertificate();
    tls = createHttp2AppServer(demoApp(), { cert: certificate.cert, key: certificate.key });
    h2c = createHttp2AppServer(demoApp());
  });
  afterAll(async () => {
    await Promise.all([closeServer(tls), closeServer(h2c)]);
    await certificate?.remove();
  });

  it('curl --http2 streams events over TLS', async () => {
    const output = await curlUntilTick(['--http2', '--cacert', certificate.certFile, `https://127.0.0.1:${await listening(tls)}/stream`]);
    expect(output).toMatch(/^HTTP\/2 200 ?\r\n/);
  });

  it('curl --http2-prior-knowledge streams events in cleartext', async () => {
    const output = await curlUntilTick(['--http2-prior-knowledge', `http://127.0.0.1:${await listening(h2c)}/stream`]);
    expect(output).toMatch(/^HTTP\/2 200 ?\r\n/);
  });
});
