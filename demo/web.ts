/**
 * The demo's pages: the dashboard at `/` (its script bundled in memory by esbuild at start-up),
 * the API documentation at `/docs` (the AsyncAPI react-component's standalone bundle), the
 * generated OpenAPI 3.2 document at `/openapi.json` and its 3.1 view at `/openapi-3.1.json`,
 * and `/sdk`, a page importing the built client package (`npm run build:client`) served as-is
 * under `/sdk/client/`.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import express, { Router, type Response } from 'express';

const require = createRequire(import.meta.url);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [here('./page/app.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    // The dashboard runs on the client runtime's sources, like the rest of the demo.
    conditions: ['asyncapi-sse-source'],
    minify: true,
    sourcemap: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function sendText(res: Response, type: string, body: string): void {
  res.type(type).setHeader('Cache-Control', 'no-cache');
  res.send(body);
}

const DEFAULT_CLIENT_PACKAGE_DIR = here('../client-package');

/** Routes for the pages; `clientPackageDir` is the folder `npm run build:client` wrote. */
export async function createPagesRouter(clientPackageDir = DEFAULT_CLIENT_PACKAGE_DIR): Promise<Router> {
  const [indexHtml, styleCss, appJs, docsHtml, sdkHtml, openapi, openapi31] = await Promise.all([
    readFile(here('./page/index.html'), 'utf8'),
    readFile(here('./page/style.css'), 'utf8'),
    bundlePage(),
    readFile(here('./docs/index.html'), 'utf8'),
    readFile(here('./page/sdk.html'), 'utf8'),
    readFile(here('../generated/openapi.json'), 'utf8'),
    readFile(here('../generated/openapi-3.1.json'), 'utf8'),
  ]);
  const router = Router();
  router.get('/', (_req, res) => sendText(res, 'html', indexHtml));
  router.get('/style.css', (_req, res) => sendText(res, 'css', styleCss));
  router.get('/app.js', (_req, res) => sendText(res, 'js', appJs));
  router.get('/docs', (_req, res) => sendText(res, 'html', docsHtml));
  router.get('/docs/standalone.js', (_req, res) => res.sendFile(require.resolve('@asyncapi/react-component/browser/standalone/index.js')));
  router.get('/docs/default.min.css', (_req, res) => res.sendFile(require.resolve('@asyncapi/react-component/styles/default.min.css')));
  router.get('/openapi.json', (_req, res) => sendText(res, 'json', openapi));
  router.get('/openapi-3.1.json', (_req, res) => sendText(res, 'json', openapi31));
  router.get('/sdk', (_req, res) => sendText(res, 'html', sdkHtml));
  router.use('/sdk/client', express.static(clientPackageDir, { index: false }));
  return router;
}
