import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../http2-client.js';
import { selfSignedCertificate, type Certificate } from '../tls.js';
import { AUTH, startDemo, type RunningDemo } from './harness.js';
import { freePort } from './process.js';

const NGINX = '/usr/sbin/nginx';
const available = existsSync(NGINX);
if (!available && process.env.REQUIRE_NGINX === '1') throw new Error(`REQUIRE_NGINX=1 but ${NGINX} is missing (apt-get install nginx)`);

/** The reverse-proxy example of docs/runtime.md, pointed at this test's app, port and certificate. */
async function documentedConfig(appPort: number, port: number, certificate: Certificate): Promise<string> {
  const docs = await readFile(new URL('../../docs/runtime.md', import.meta.url), 'utf8');
  const example = /```nginx\n([\s\S]*?)```/.exec(docs)?.[1];
  if (!example) throw new Error('docs/runtime.md has no nginx example');
  const replaced = example
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${appPort};`)
    .replace('listen 443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`)
    .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${certificate.certFile};`)
    .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${certificate.keyFile};`);
  expect(replaced).toContain(`127.0.0.1:${port}`);
  expect(replaced).toContain(certificate.keyFile);
  return replaced;
}

/** nginx in the foreground with everything under `prefix`, so it needs no root and leaves nothing behind. */
function mainConfig(prefix: string, site: string): string {
  return `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${site}
}
`;
}

async function accepting(nginx: ChildProcess, port: number, errorLog: string, deadline = Date.now() + 10_000): Promise<void> {
  while (Date.now() < deadline && nginx.exitCode === null) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connectTcp(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx does not listen on ${port}:\n${await readFile(errorLog, 'utf8').catch(() => '')}`);
}

const events = (body: string) => body.split('\n\n').filter((block) => block.split('\n').some((line) => line.startsWith('data:')));

describe.skipIf(!available)('the documented nginx reverse proxy: HTTP/2 with TLS to the client, HTTP/1.1 to the app (skipped without nginx)', () => {
  let demo: RunningDemo;
  let certificate: Certificate;
  let nginx: ChildProcess;
  let session: ClientHttp2Session;
  let errorLog = '';

  beforeAll(async () => {
    [demo, certificate] = await Promise.all([startDemo(), selfSignedCertificate()]);
    const prefix = join(dirname(certificate.certFile), 'nginx');
    await mkdir(prefix);
    const port = await freePort();
    const config = join(prefix, 'nginx.conf');
    await writeFile(config, mainConfig(prefix, await documentedConfig(demo.port, port, certificate)));
    errorLog = join(prefix, 'error.log');
    nginx = spawn(NGINX, ['-p', prefix, '-c', config, '-e', errorLog], { stdio: 'ignore' });
    await accepting(nginx, port, errorLog);
    session = connectHttp2(`https://127.0.0.1:${port}`, { ca: certificate.cert });
  });
  afterAll(async () => {
    session?.close();
    if (nginx && nginx.exitCode === null) {
      const exited = once(nginx, 'exit');
      nginx.kill('SIGTERM');
      await exited;
    }
    await demo?.stop();
    await certificate?.remove();
  });

  it('streams prices over HTTP/2 as they are sent, not when the stream ends', async () => {
    const response = await request(session, { ':path': '/prices/stream' }, undefined, (body) => events(body).length >= 10);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(events(response.body)[0]).toMatch(/^data: \{"symbol":"[A-Z]+","price":/m);
  });

  it('passes Authorization and Last-Event-ID through: a reconnecting client gets what it missed', async () => {
    const content = JSON.stringify({ content: 'through the proxy' });
    const headers = { ':method': 'POST', ':path': '/channels/proxy/messages', 'content-type': 'application/json', 'content-length': Buffer.byteLength(content), ...AUTH.u1 };
    expect((await request(session, headers, content)).status).toBe(202);
    const replayed = await request(session, { ':path': '/channels/proxy/stream', 'last-event-id': '0', ...AUTH.u2 }, undefined, (body) => body.includes('through the proxy'));
    expect(replayed.status).toBe(200);
    // `0` is an id of no history the app holds: the app saw the header, so it answers `sse-reset`, then what it holds.
    expect(events(replayed.body)[0]).toMatch(/^event: sse-reset\ndata: .*"lastEventId":"0"/);
    expect(events(replayed.body)[1]).toMatch(/^id: [0-9a-z]{8}-\d+\ndata: .*"content":"through the proxy"/);
  });

  it('refuses an unauthenticated stream with the app\'s problem+json, unchanged', async () => {
    const refused = await request(session, { ':path': '/channels/proxy/stream' });
    expect([refused.status, refused.headers['content-type']]).toEqual([401, 'application/problem+json; charset=utf-8']);
    expect(await readFile(errorLog, 'utf8')).not.toMatch(/\[(error|crit|alert|emerg)\]/);
  });
});
