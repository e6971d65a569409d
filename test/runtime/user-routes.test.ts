/**
 * Routes a user adds to the app of `createSseApp` (a health check, a page) are served beside the
 * spec's endpoints, over a real socket; what nothing serves still gets the problem+json 404.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSseApp, HttpProblem, type SseStream } from '../../runtime/index.js';
import { listen, service, streamEndpoint, type Running } from './helpers.js';

type Events = { tick: { n: number } };

const running: Running[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

async function serve(app: Parameters<typeof listen>[0]): Promise<string> {
  const server = await listen(app);
  running.push(server);
  return server.url;
}

function tickApp(options: Parameters<typeof createSseApp>[2] = {}) {
  return createSseApp(service(streamEndpoint()), { stream: (stream: SseStream<Events>) => stream.send('tick', { n: 1 }) }, { ...options, logger: { warn() {}, error() {} } });
}

describe('routes added to the app', () => {
  it('answers app.get("/healthz") with 200, and an unknown path with a problem+json 404', async () => {
    const app = tickApp();
    app.get('/healthz', (_req, res) => void res.json({ ok: true }));
    const url = await serve(app);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    const unknown = await fetch(`${url}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await unknown.json()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No endpoint at /nowhere' });

    const stream = await fetch(`${url}/stream`);
    expect(await stream.text()).toContain('event: tick\ndata: {"n":1}\n\n');
  });

  it('serves middleware added after the spec endpoints, answering errors from user routes as problem+json', async () => {
    const app = tickApp();
    app.use('/pages', (_req, res) => void res.type('html').send('<h1>hello</h1>'));
    app.get('/teapot', () => {
      throw new HttpProblem(418, 'Short and stout');
    });
    app.get('/broken', () => {
      throw new Error('secret internals');
    });
    const url = await serve(app);

    const page = await fetch(`${url}/pages/hello`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<h1>hello</h1>');

    const teapot = await fetch(`${url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toMatchObject({ status: 418, detail: 'Short and stout' });

    const broken = await fetch(`${url}/broken`);
    expect(broken.status).toBe(500);
    expect(broken.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await broken.text()).not.toContain('secret');
  });

  it('runs beforeEndpoints ahead of the spec endpoints, which keep their own path otherwise', async () => {
    const seen: string[] = [];
    const app = tickApp({
      beforeEndpoints: [
        (req, _res, next) => {
          seen.push(`${req.method} ${req.path}`);
          next();
        },
        (req, res, next) => (req.query.maintenance === '1' ? void res.status(503).send('down for maintenance') : next()),
      ],
    });
    const url = await serve(app);

    const maintenance = await fetch(`${url}/stream?maintenance=1`);
    expect(maintenance.status).toBe(503);
    expect(await maintenance.text()).toBe('down for maintenance');
    expect(await (await fetch(`${url}/stream`)).text()).toContain('event: tick\ndata: {"n":1}\n\n');
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect(seen).toEqual(['GET /stream', 'GET /stream', 'GET /nowhere']);
  });
});
