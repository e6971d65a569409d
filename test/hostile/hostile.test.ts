/**
 * The demo (`server.ts` in a child process, as `npm start` runs it) under attack over real
 * sockets. During every attack a normal client keeps opening `/prices/stream`; its first event
 * must arrive within 1 s each time, and after each attack the server's RSS must come back
 * within 15% of its baseline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoProcess, type DemoProcess } from '../demo/process.js';
import { dripHeaders, inParallel, rawRequest, type RawAnswer } from './attacks.js';
import { NormalClient } from './probe.js';

const PROC = existsSync('/proc/self/status');
const FIRST_EVENT_WITHIN_MS = 1000;
const RSS_TOLERANCE = 0.15;
const SETTLE_MS = 30_000;
const TOKENS = { u1: 'user-token', admin: 'admin-token' };
/**
 * The demo runs as docs/reliability.md recommends for servers facing the internet: glibc's malloc
 * otherwise keeps the pages of freed request buffers (megabytes of refused bodies), and RSS
 * stayed ~20% up for minutes after the huge-bodies attack although nothing was retained. A
 * preload lets the suite ask for a full garbage collection before each measurement.
 */
const DEMO_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${fileURLToPath(new URL('./collect-garbage.cjs', import.meta.url))}"`,
};

let demo: DemoProcess;
let baselineRss: number;

/** Has the demo collect its garbage, then waits a moment for it to finish. */
async function collectGarbage(): Promise<void> {
  process.kill(demo.pid, 'SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 500));
}

function rss(): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${demo.pid}/status`, 'utf8'));
  return Number(line![1]) * 1024;
}

/** Runs `attack` while a normal client probes; checks the probe's worst time and the RSS after. */
async function underAttack(name: string, attack: () => Promise<void>): Promise<void> {
  const normal = new NormalClient(demo.url);
  await normal.ready;
  let probes: number[];
  try {
    await attack();
  } finally {
    probes = await normal.stop();
  }
  const peak = rss();
  const deadline = Date.now() + SETTLE_MS;
  await collectGarbage();
  while (rss() > baselineRss * (1 + RSS_TOLERANCE) && Date.now() < deadline) await collectGarbage();
  const settled = rss();
  console.log(
    `${name}: normal client's first event in at most ${Math.max(...probes).toFixed(0)} ms over ${probes.length} probes; ` +
      `RSS ${mb(baselineRss)} MB baseline, ${mb(peak)} MB after, ${mb(settled)} MB settled`,
  );
  expect(probes.length).toBeGreaterThan(0);
  expect(probes.every((ms) => ms >= 0 && ms < FIRST_EVENT_WITHIN_MS)).toBe(true);
  expect(settled).toBeLessThanOrEqual(baselineRss * (1 + RSS_TOLERANCE));
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/**
 * Ordinary traffic on every route the attacks take (streams opened and closed, accepted and
 * refused requests, large refused bodies), so the baseline is the server's working size with
 * its code compiled and its heap grown, and what the attacks are judged on is growth.
 */
async function warmUp(): Promise<void> {
  const auth = { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' };
  const ordinary = [
    request('GET', '/prices/stream'),
    request('GET', '/channels/general/stream?lastEventId=1', auth),
    request('GET', '/channels/%zz/stream', auth),
    request('POST', '/notifications', auth, JSON.stringify({ userId: 'u9', type: 'x', title: 't', body: 'b'.repeat(4000) })),
    request('POST', '/notifications', { ...auth, 'Content-Encoding': 'gzip' }, '{}'),
    request('POST', '/channels/general/messages', auth, '{"content":"hello"}'),
    request('GET', `/prices/stream`, { 'X-Big': 'a'.repeat(20_000) }),
    'BREW / HTTP/1.1\r\n\r\n',
    request('GET', '/sdk/client/..%2f..%2fpackage.json'),
  ];
  await inParallel(3000, 50, (i) => rawRequest(demo.port, ordinary[i % ordinary.length]!, 300));
  const big = JSON.stringify({ body: 'b'.repeat(5 * 1024 * 1024) });
  await inParallel(20, 5, () => fetch(`${demo.url}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth.Authorization }, body: big }).then((r) => r.text()));
  await new Promise((resolve) => setTimeout(resolve, 3000));
}

function request(method: string, path: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = Object.entries({ Host: 'x', Connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  const length = body || method === 'POST' ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : '';
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}${length}\r\n${body}`;
}

function expectProblem(answer: RawAnswer, statuses: number[]): void {
  expect(statuses).toContain(answer.status);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(answer.body)).toMatchObject({ status: answer.status });
}

describe.skipIf(!PROC)('the demo under attack', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    demo = await startDemoProcess(DEMO_ENV);
    await warmUp();
    await collectGarbage();
    baselineRss = rss();
    console.log(`baseline RSS after warm-up: ${mb(baselineRss)} MB`);
  }, 180_000);
  afterAll(() => demo?.stop());

  it('bad percent-encoding in path parameters, on GET and POST', () =>
    underAttack('bad percent-encoding', async () => {
      const answers = await inParallel(600, 20, (i) => {
        const room = ['%zz', '%', '%E0%A4%A'][i % 3];
        const json = { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.u1}` };
        return rawRequest(demo.port, i % 2 ? request('GET', `/channels/${room}/stream`, json) : request('POST', `/channels/${room}/messages`, json, '{"content":"x"}'));
      });
      for (const answer of answers) expectProblem(answer, [400]);
    }));

  it('Content-Encoding gzip, br and deflate on bodies that are not compressed', () =>
    underAttack('false Content-Encoding', async () => {
      const answers = await inParallel(300, 20, (i) =>
        rawRequest(
          demo.port,
          request('POST', '/notifications', { 'Content-Type': 'application/json', 'Content-Encoding': ['gzip', 'br', 'deflate'][i % 3]!, Authorization: `Bearer ${TOKENS.admin}` }, '{"userId":"u1","type":"x","title":"t","body":"b"}'),
        ),
      );
      for (const answer of answers) expectProblem(answer, [400, 415]);
    }));

  it("requests Node's parser refuses: bare CR, bad chunk size, CL+TE, unknown method", () =>
    underAttack('parser refusals', async () => {
      const malformed = [
        'GET /prices/stream HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n',
        'POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
        'POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
        'BREW /prices/stream HTTP/1.1\r\nHost: x\r\n\r\n',
      ];
      const answers = await inParallel(400, 20, (i) => rawRequest(demo.port, malformed[i % malformed.length]!));
      for (const answer of answers) {
        expectProblem(answer, [400]);
        expect(answer.closed).toBe(true);
      }
    }));

  it('huge headers, query strings and bodies, and deeply nested JSON', () =>
    underAttack('huge and deep', async () => {
      const headers = await inParallel(100, 10, () => rawRequest(demo.port, request('GET', '/prices/stream', { 'X-Huge': 'a'.repeat(64 * 1024) })));
      for (const answer of headers) expectProblem(answer, [431]);
      const queries = await inParallel(100, 10, () => rawRequest(demo.port, request('GET', `/logs/stream?service=${'a'.repeat(100_000)}`)));
      for (const answer of queries) expectProblem(answer, [431]);
      const big = JSON.stringify({ userId: 'u1', type: 'x', title: 't', body: 'b'.repeat(5 * 1024 * 1024) });
      const bodies = await inParallel(20, 5, () =>
        fetch(`${demo.url}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.admin}` }, body: big }),
      );
      for (const response of bodies) {
        expect(response.status).toBe(413);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      const deep = '['.repeat(45_000) + ']'.repeat(45_000);
      const nested = await inParallel(100, 10, (i) =>
        fetch(`${demo.url}/${i % 2 ? 'notifications' : 'prices/stream'}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.admin}` }, body: deep }),
      );
      for (const response of nested) {
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    }));

  it('path traversal in parameters and static paths reads no file', () =>
    underAttack('path traversal', async () => {
      const paths = [
        '/sdk/client/../../package.json',
        '/sdk/client/..%2f..%2fpackage.json',
        '/sdk/client/%2e%2e/%2e%2e/package.json',
        '/docs/..%2f..%2f..%2fetc%2fpasswd',
        '/tasks/..%2f..%2fetc%2fpasswd/progress',
        '/channels/..%2F..%2Fetc%2Fpasswd/messages',
      ];
      const answers = await inParallel(300, 20, (i) => rawRequest(demo.port, request(i % 6 === 5 ? 'POST' : 'GET', paths[i % 6]!, { Authorization: `Bearer ${TOKENS.u1}`, 'Content-Type': 'application/json' }, i % 6 === 5 ? '{"content":"x"}' : '')));
      for (const answer of answers) {
        expect(answer.status).toBeGreaterThanOrEqual(200);
        expect(answer.status).toBeLessThan(500);
        expect(answer.body).not.toContain('"name": "asyncapi-sse"');
        expect(answer.body).not.toContain('root:');
      }
    }));

  it('CR and LF in Last-Event-ID, as a header and as the query parameter', () =>
    underAttack('CR/LF in Last-Event-ID', async () => {
      const auth = { Authorization: `Bearer ${TOKENS.u1}` };
      const bareCr = await inParallel(100, 10, () => rawRequest(demo.port, request('GET', '/channels/general/stream', { ...auth, 'Last-Event-ID': '1\revent: injected' })));
      for (const answer of bareCr) expectProblem(answer, [400]);
      const inQuery = await inParallel(100, 10, (i) =>
        rawRequest(demo.port, request('GET', `/channels/general/stream?lastEventId=1${['%0D', '%0A', '%0D%0A', '%00'][i % 4]}event%3A%20injected`, auth)),
      );
      for (const answer of inQuery) expectProblem(answer, [400]);
      // A CRLF in the raw header only ends that header: the next line is a header of its own.
      const split = await rawRequest(demo.port, request('GET', '/channels/general/stream', { ...auth, 'Last-Event-ID': '1\r\nevent: injected' }), 1000);
      expect(split.status).toBe(200);
      expect(split.body).not.toContain('injected');
    }));

  it('greedy callers: anonymous task floods and notification floods hit their quotas', () =>
    underAttack('quotas', async () => {
      const tasks = await inParallel(300, 20, () => rawRequest(demo.port, request('POST', '/tasks', { 'Content-Type': 'application/json' }, '{}')));
      expect(tasks.filter((answer) => answer.status === 202).length).toBeLessThanOrEqual(100);
      for (const answer of tasks.filter((a) => a.status !== 202)) expectProblem(answer, [429]);
      const signedIn = await rawRequest(demo.port, request('POST', '/tasks', { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.u1}` }, '{}'));
      expect(signedIn.status).toBe(202);
      const notifications = await inParallel(300, 20, () =>
        rawRequest(demo.port, request('POST', '/notifications', { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.u1}` }, JSON.stringify({ userId: 'u2', type: 'x', title: 't', body: 'b'.repeat(4000) }))),
      );
      expect(notifications.filter((answer) => answer.status === 202).length).toBeLessThanOrEqual(60);
    }));

  it('slowloris: 300 sockets dripping headers are closed within the headers timeout plus one check (11 s)', () =>
    underAttack('slowloris', async () => {
      const lifetimes = await inParallel(300, 300, () => dripHeaders(demo.port, 1000, 20_000));
      expect(Math.max(...lifetimes)).toBeLessThan(11_000 + 1500);
    }));

  it('10,000 connection attempts from one identity: each is a stream or a 429 problem', () =>
    underAttack('10,000 attempts', async () => {
      const statuses = await inParallel(10_000, 50, async () => {
        const socket = connect(demo.port, '127.0.0.1');
        socket.on('error', () => {});
        await once(socket, 'connect');
        socket.write(`GET /notifications/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.u1}\r\n\r\n`);
        const [chunk] = (await once(socket, 'data')) as [Buffer];
        socket.destroy();
        const head = chunk.toString('latin1');
        return `${head.split(' ')[1]} ${/content-type: ([^\r;]*)/i.exec(head)?.[1]}`;
      });
      const counts: Record<string, number> = {};
      for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
      console.log('10,000 attempts:', counts);
      expect(Object.keys(counts).sort()).toEqual(expect.arrayContaining(['200 text/event-stream']));
      for (const key of Object.keys(counts)) expect(['200 text/event-stream', '429 application/problem+json']).toContain(key);
    }));
});
