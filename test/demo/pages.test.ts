import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../generator/helpers.js';
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

  it('serves the generated OpenAPI 3.2 document and its 3.1 view, as generated', async () => {
    for (const file of ['openapi.json', 'openapi-3.1.json']) {
      const response = await get(`/${file}`);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.text()).toBe(readFileSync(path.join(REPO_ROOT, 'generated', file), 'utf8'));
    }
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
