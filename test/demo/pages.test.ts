import { describe, expect, it } from 'vitest';
import { useDemo } from './harness.js';

const demo = useDemo();

async function get(path: string): Promise<Response> {
  const response = await fetch(`${demo().url}${path}`);
  expect(response.status, path).toBe(200);
  return response;
}

describe('pages', () => {
  it('serves the dashboard with its bundled script and styles', async () => {
    const html = await (await get('/')).text();
    expect(html).toContain('<script type="module" src="/app.js">');
    const script = await get('/app.js');
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain('/prices/stream');
    expect((await get('/style.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('serves /docs with the AsyncAPI react-component standalone bundle and its styles', async () => {
    const html = await (await get('/docs')).text();
    expect(html).toContain('AsyncApiStandalone.render');
    expect(html).toContain("fetch('/asyncapi.json')");
    expect(await (await get('/docs/standalone.js')).text()).toContain('AsyncApiStandalone');
    expect((await get('/docs/default.min.css')).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await (await get('/asyncapi.json')).json()).asyncapi).toBe('3.0.0');
  });

  it('serves an OpenAPI 3.1 view of every HTTP endpoint, streams as text/event-stream', async () => {
    const openapi = await (await get('/openapi.json')).json();
    expect(openapi.openapi).toBe('3.1.0');
    const operations = Object.entries(openapi.paths).flatMap(([path, methods]) =>
      Object.entries(methods as Record<string, { operationId: string }>).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`),
    );
    expect(operations.sort()).toEqual([
      'GET /admin/metrics/stream streamMetrics',
      'GET /channels/{channel}/stream streamChatRoom',
      'GET /logs/stream streamLogs',
      'GET /notifications/stream streamNotifications',
      'GET /prices/stream streamPrices',
      'GET /tasks/{taskId}/progress streamTaskProgress',
      'POST /channels/{channel}/messages postChannelMessage',
      'POST /notifications createNotification',
      'POST /prices/stream streamSelectedPrices',
      'POST /tasks createTask',
    ]);
    const prices = openapi.paths['/prices/stream'];
    expect(prices.get.responses['200'].content['text/event-stream'].schema.oneOf).toEqual([
      { title: 'message', type: 'object', required: ['data'], properties: { id: { type: 'string' }, data: { $ref: '#/components/schemas/PriceUpdate' } } },
    ]);
    expect(prices.post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PriceSelection' });
    expect(openapi.components.schemas.PriceSelection.properties.interval).toMatchObject({ minimum: 100, maximum: 60000 });
    expect(openapi.paths['/notifications/stream'].get.security).toEqual([{ notificationsRead: ['notifications:read'] }]);
    expect(openapi.paths['/admin/metrics/stream'].get.security).toEqual([{ bearer: [] }]);
    expect(openapi.components.securitySchemes.notificationsRead.flows.clientCredentials.scopes).toHaveProperty(['notifications:read']);
    expect(openapi.paths['/logs/stream'].get.parameters.map((p: { name: string; in: string }) => `${p.in} ${p.name}`)).toEqual([
      'query level',
      'query service',
      'query follow',
    ]);
  });
});

describe('/sdk before `npm run build:client`', () => {
  const unbuilt = useDemo({ clientPackageDir: '/nonexistent/client-package' });

  it('still serves the page, which explains what to run, and 404s the missing package', async () => {
    const page = await fetch(`${unbuilt().url}/sdk`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('run npm run build:client');
    const missing = await fetch(`${unbuilt().url}/sdk/client/index.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
