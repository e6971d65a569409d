import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startServer, type TestServer } from '../client/sse-server.js';
import { casePath, wptCases, type Transport } from '../client/wpt-cases.js';
import { answerWptCase, requestsTo } from '../client/wpt-server.js';
import { describeBrowser, launchBrowser } from './chromium.js';

const PAGE = '<!doctype html><meta charset="utf-8"><title>WPT eventsource cases</title><script type="module" src="/wpt-page.js"></script>';

describeBrowser('web-platform-tests eventsource cases in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const pages = new Map<Transport, Page>();

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [new URL('./wpt-page.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
    });
    const script = bundle.outputFiles[0]!.text;
    server = await startServer([
      (res, request) => {
        if (answerWptCase(res, request, server.requests)) return;
        if (request.url === '/wpt-page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        else if (request.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        else res.writeHead(404).end();
      },
    ]);
    browser = await launchBrowser();
    // One user per transport: each has its own six connections to the server.
    for (const transport of ['fetch', 'native'] as const) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => typeof globalThis.observeWptCase === 'function');
      pages.set(transport, page);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const transport of ['fetch', 'native'] as const) {
    describe.concurrent(`over the ${transport === 'fetch' ? 'fetch transport' : 'platform EventSource'}`, () => {
      it.for(wptCases)('$id ($wpt)', async (wptCase, { expect }) => {
        const observed = await pages.get(transport)!.evaluate(([id, over]) => globalThis.observeWptCase(id, over), [wptCase.id, transport] as const);
        expect(observed).toMatchObject((transport === 'native' && wptCase.overNative) || wptCase.expected);
        if (wptCase.reconnectsAfterMs !== undefined) {
          const [first, second] = requestsTo(server.requests, casePath(wptCase, transport));
          expect(second!.at - first!.at).toBeGreaterThanOrEqual(wptCase.reconnectsAfterMs * 0.9);
        }
      });
    });
  }
});
