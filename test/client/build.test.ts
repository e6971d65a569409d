import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStream, startServer, type TestServer } from './sse-server.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const tsc = path.join(repo, 'node_modules/.bin/tsc');

/** A Node script that knows nothing of the repo: it only imports the built package by name. */
const consumerScript = `
import { createClient, HttpError } from 'real-time-cookbook';
import { validators } from 'real-time-cookbook/validators';
const client = createClient({ baseUrl: process.env.BASE_URL, validators });
const prices = client.streamPrices();
const seen = [];
const invalid = [];
prices.onInvalid((event) => invalid.push(event.data));
for await (const event of prices) {
  seen.push([event.event, event.data.symbol, event.id]);
  if (seen.length === 2) break;
}
const reply = await client.createTask({ body: { label: 'build' } });
console.log(JSON.stringify({ seen, invalid, reply, state: prices.state, httpError: new HttpError(404).status }));
`;

/** Type-checks against the package's declarations: a wrong event key and a wrong payload must not compile. */
const consumerTypes = `
import { createClient, HttpError, type ConnectionStatus, type PriceUpdate, type StreamPricesEvents, type Subscription } from 'real-time-cookbook';
const prices: Subscription<StreamPricesEvents> = createClient({ baseUrl: 'http://localhost' }).streamPrices();
prices.onStatus((status: ConnectionStatus) => status.type === 'error' && status.error instanceof HttpError && status.error.status);
prices.on('priceUpdate', (update: PriceUpdate) => update.price.toFixed());
// @ts-expect-error: not an event of this operation
prices.on('tock', () => {});
// @ts-expect-error: PriceUpdate has no field \`name\`
prices.on('priceUpdate', (update) => update.name);
`;

const price = (symbol: string, id: number) =>
  `id: ${id}\ndata: ${JSON.stringify({ symbol, price: 10, change: 0.5, timestamp: 1_700_000_000_000 })}\n\n`;

const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext' };

let outside: string;
let server: TestServer;

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

function buildClient(...args: string[]) {
  return run(tsx, ['generator/commands/bin.ts', 'build-client', ...args], { cwd: repo });
}

beforeAll(async () => {
  outside = await mkdtemp(path.join(tmpdir(), 'client-package-'));
  server = await startServer([
    (res, request) => {
      if (request.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ taskId: `t-${request.body}` }));
        return;
      }
      openStream(res);
      res.write(`${price('ACME', 1)}id: 2\ndata: {"symbol":"BAD"}\n\n${price('INIT', 3)}`);
    },
  ]);
});

afterAll(async () => {
  await server.close();
  await rm(outside, { recursive: true, force: true });
});

describe.concurrent('npm run build:client', () => {
  it('packages generated/client so that a fresh Node project outside the repo imports and type-checks it', async () => {
    const out = path.join(outside, 'build');
    const { stdout } = await buildClient('--out', out);
    expect(stdout).toMatch(/^real-time-cookbook@\S+ in /);
    const runtimeKb = Number(/client runtime alone: ([\d.]+) KB/.exec(stdout)?.[1]);
    expect(runtimeKb).toBeGreaterThan(0);
    expect(runtimeKb).toBeLessThan(7);
    expect(stdout).toMatch(/validators\.js .* min\+gzip/);

    const manifest = JSON.parse(await readFile(path.join(out, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'real-time-cookbook', type: 'module' });
    expect(Object.keys(manifest.exports)).toEqual(['.', './validators']);

    const app = path.join(outside, 'app');
    await cp(out, path.join(app, 'node_modules/real-time-cookbook'), { recursive: true });
    await writeFiles(app, {
      'package.json': '{ "type": "module", "private": true }\n',
      'main.js': consumerScript,
      'check.ts': consumerTypes,
      // Once as a browser project (DOM, no Node types), once as a Node project (Node types, no DOM).
      'tsconfig.json': JSON.stringify({ compilerOptions: { ...compilerOptions, lib: ['es2023', 'dom'], types: [] }, files: ['check.ts'] }),
      'tsconfig.node.json': JSON.stringify({
        compilerOptions: { ...compilerOptions, lib: ['es2023'], types: ['node'], typeRoots: [path.join(repo, 'node_modules/@types')] },
        files: ['check.ts'],
      }),
    });
    const { stdout: result } = await run(process.execPath, ['main.js'], { cwd: app, env: { ...process.env, BASE_URL: server.url } });
    expect(JSON.parse(result)).toEqual({
      seen: [
        ['priceUpdate', 'ACME', '1'],
        ['priceUpdate', 'INIT', '3'],
      ],
      invalid: [{ symbol: 'BAD' }],
      reply: { taskId: 't-{"label":"build"}' },
      state: 'closed',
      httpError: 404,
    });

    const typeChecks = ['tsconfig.json', 'tsconfig.node.json'].map((project) =>
      run(tsc, ['-p', project], { cwd: app }).catch((error: { stdout: string }) => error),
    );
    for (const { stdout: diagnostics } of await Promise.all(typeChecks)) expect(diagnostics).toBe('');
  }, 180_000);

  it('refuses to bundle a Node built-in, with a message and no stack trace', async () => {
    const entry = path.join(outside, 'with-builtin');
    await writeFiles(entry, { 'index.ts': `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n` });
    const failure = await buildClient('--entry', entry, '--out', path.join(outside, 'never')).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain('imports the Node built-in "node:fs"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
