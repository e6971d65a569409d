/** What the dashboard's browser suites read from the outside: console errors, and the server's open streams. */
import type { Page } from 'playwright-core';

/** Collects the page's console errors and uncaught exceptions into `errors`. */
export function watchConsole(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
}

/** Open streams per operation, from the demo's Prometheus metrics (operations with none left out). */
export async function openStreams(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const open: Record<string, number> = {};
  for (const [, operation, count] of text.matchAll(/^sse_open_connections\{operation="([^"]+)"\} (\d+)$/gm)) {
    if (Number(count) > 0) open[operation!] = Number(count);
  }
  return open;
}
