import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchBrowser } from './chromium.js';
import { watchConsole } from './dashboard-pages.js';
import { startDemoProcess, type DemoProcess } from '../demo/process.js';
import { selfSignedCertificate, type Certificate } from '../tls.js';

/** Eight streams besides the admin dashboard's four: more than the six an HTTP/1.1 host gets. */
const EXTRA_STREAMS = [
  ...['r1', 'r2', 'r3', 'r4'].map((room) => ({ path: `/channels/${room}/stream`, auth: true })),
  ...['/prices/stream', '/prices/stream'].map((path) => ({ path, auth: false })),
  // The server log is the admin's.
  ...['/logs/stream?follow=true', '/logs/stream?follow=true'].map((path) => ({ path, auth: true })),
];

declare global {
  interface Window {
    /** Events received per extra stream, by index, and the protocol each came over. */
    extraStreams?: Array<{ events: number; protocol?: string }>;
  }
}

describeBrowser('the dashboard in Chromium over HTTP/2', () => {
  let certificate: Certificate;
  let server: DemoProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    certificate = await selfSignedCertificate();
    [server, browser] = await Promise.all([startDemoProcess({ TLS_CERT: certificate.certFile, TLS_KEY: certificate.keyFile }), launchBrowser(certificate.cert)]);
    page = await (await browser.newContext()).newPage();
    watchConsole(page, consoleErrors);
    await page.goto(`${server.url}/?as=admin`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await certificate?.remove();
  });

  it('receives events on twelve streams open at once in one tab', async () => {
    // Fetch streams: EventSource cannot send the bearer token the chat rooms need.
    await page.evaluate((streams) => {
      window.extraStreams = streams.map(() => ({ events: 0 }));
      streams.forEach(async ({ path, auth }, index) => {
        const response = await fetch(path, { headers: auth ? { authorization: 'Bearer admin-token' } : {} });
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          window.extraStreams![index]!.events += value.split('\n').filter((line) => line.startsWith('data:')).length;
        }
      });
    }, EXTRA_STREAMS);
    for (const card of ['#prices', '#chat', '#metrics', '#logs']) {
      await expect.poll(() => page.locator(`${card} .state`).getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
    }
    await expect.poll(() => page.locator('[data-figure="rss"]').textContent(), { timeout: 15_000 }).toMatch(/^\d+ MiB$/);
    await expect.poll(() => page.evaluate(() => window.extraStreams!.map((stream) => stream.events > 0)), { timeout: 15_000 }).toEqual(EXTRA_STREAMS.map(() => true));
    const protocols = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => (entry as PerformanceResourceTiming).nextHopProtocol));
    expect(new Set(protocols)).toEqual(new Set(['h2']));
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('reads a POST whose body is a stream, sent without content-length (legal in HTTP/2)', async () => {
    const answer = await page.evaluate(async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(JSON.stringify({ content: 'streamed over HTTP/2' })));
          controller.close();
        },
      });
      const init = { method: 'POST', body, duplex: 'half', headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' } };
      const response = await fetch('/channels/streamed/messages', init as RequestInit);
      return { status: response.status, body: await response.text() };
    });
    expect(answer).toEqual({ status: 202, body: '' });
  });
});
