/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Without
 * `/usr/bin/chromium` browser suites skip, unless `REQUIRE_BROWSER=1` makes that a failure.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';

const EXECUTABLE = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOTS = new URL('../../test-results/screenshots/', import.meta.url);

const available = existsSync(EXECUTABLE);
if (!available && process.env.REQUIRE_BROWSER === '1') {
  throw new Error(`REQUIRE_BROWSER=1 but ${EXECUTABLE} is missing (apt-get install chromium)`);
}

/** `describe` when Chromium is installed, `describe.skip` otherwise. */
export const describeBrowser = available ? describe : describe.skip;

/**
 * Chromium with a throw-away profile; each `newContext()` is a separate user with its own connections.
 * `trustedCert` (PEM): a self-signed certificate Chromium accepts, pinned by its public key.
 */
export function launchBrowser(trustedCert?: Buffer): Promise<Browser> {
  const pin = trustedCert && createHash('sha256').update(createPublicKey(trustedCert).export({ type: 'spki', format: 'der' })).digest('base64');
  return chromium.launch({ executablePath: EXECUTABLE, args: pin ? [...ARGS, `--ignore-certificate-errors-spki-list=${pin}`] : ARGS });
}

/** Saves `test-results/screenshots/<name>.png`: the whole page, or only the viewport for long pages. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage });
}
