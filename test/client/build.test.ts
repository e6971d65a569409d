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

/** A generated client in the shape the generator emits, for a one-operation spec. */
const standIn = {
  'client/index.ts': `
import { post, subscribe } from '../../../client/index.js';
import type { ClientOptions, PostOperationSpec, PostRequest, StreamOperationSpec, StreamRequest } from '../../../client/types.js';
export interface Tick { n: number }
export interface TicksEvents { tick: Tick }
export const operations = {
  ticks: { operationId: 'ticks', method: 'GET', path: '/ticks', events: { tick: { key: 'tick', contentType: 'application/json' } }, secured: false } satisfies StreamOperationSpec,
  send: { operationId: 'send', method: 'POST', path: '/send', contentType: 'application/json' } satisfies PostOperationSpec,
};
export function createClient(options: ClientOptions) {
  return {
    ticks: (request?: StreamRequest<never, never, never>) => subscribe<TicksEvents>(operations.ticks, options, request ?? {}),
    send: (request: PostRequest<never, never, { text: string }>) => post(operations.send, options, request) as Promise<{ ok: boolean }>,
  };
}
`,
  'client/validators.js': `export const validators = { ticks: { tick: (data) => Number.isInteger(data?.n) } };\n`,
  'client/validators.d.ts': `import type { Validator } from '../../../client/types.js';
export declare const validators: { ticks: { tick: Validator } };
`,
  'asyncapi.yaml': 'asyncapi: 3.0.0\ninfo:\n  title: Tick Service\n  version: 1.2.3\n',
};

/** A Node script that knows nothing of the repo: it only imports the built package by name. */
const consumerScript = `
import { createClient } from 'tick-service-client';
import { validators } from 'tick-service-client/validators';
const client = createClient({ baseUrl: process.env.BASE_URL, validators });
const ticks = client.ticks();
const seen = [];
const invalid = [];
ticks.onInvalid((event) => invalid.push(event.data));
for await (const event of ticks) {
  seen.push([event.event, event.data.n, event.id]);
  if (seen.length === 2) break;
}
const reply = await client.send({ body: { text: 'hi' } });
console.log(JSON.stringify({ seen, invalid, reply, state: ticks.state }));
`;

/** Type-checks against the package's declarations: a wrong event key and a wrong payload must not compile. */
const consumerTypes = `
import { createClient, type Tick } from 'tick-service-client';
const ticks = createClient({ baseUrl: 'http://localhost' }).ticks();
ticks.on('tick', (data: Tick) => data.n.toFixed());
// @ts-expect-error: not an event of this operation
ticks.on('tock', () => {});
// @ts-expect-error: Tick has no field \`name\`
ticks.on('tick', (data) => data.name);
`;

let workspace: string;
let outside: string;
let server: TestServer;

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

function buildClient(entry: string, out: string) {
  return run(tsx, ['scripts/build-client.ts', '--entry', entry, '--out', out, '--spec', path.join(workspace, 'asyncapi.yaml')], {
    cwd: repo,
  });
}

beforeAll(async () => {
  await mkdir(path.join(repo, '.tmp'), { recursive: true });
  // Inside the repo (gitignored) so that its imports of client/ resolve like generated code does.
  workspace = await mkdtemp(path.join(repo, '.tmp', 'client-build-'));
  outside = await mkdtemp(path.join(tmpdir(), 'client-package-'));
  await writeFiles(workspace, standIn);
  server = await startServer([
    (res, request) => {
      if (request.method === 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: request.body === '{"text":"hi"}' }));
        return;
      }
      openStream(res);
      res.write('id: 1\nevent: tick\ndata: {"n":1}\n\nid: 2\nevent: tick\ndata: {"n":"x"}\n\nid: 3\nevent: tick\ndata: {"n":3}\n\n');
    },
  ]);
});

afterAll(async () => {
  await server.close();
  await rm(workspace, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('npm run build:client', () => {
  it('builds a package that a fresh Node project outside the repo imports and type-checks against', async () => {
    const out = path.join(outside, 'build');
    const { stdout } = await buildClient(path.join(workspace, 'client'), out);
    expect(stdout).toMatch(/^tick-service-client@1\.2\.3 in /);
    const runtimeKb = Number(/client runtime alone: ([\d.]+) KB/.exec(stdout)?.[1]);
    expect(runtimeKb).toBeGreaterThan(0);
    expect(runtimeKb).toBeLessThan(6);
    expect(stdout).toMatch(/validators\.js .* min\+gzip/);

    const manifest = JSON.parse(await readFile(path.join(out, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'tick-service-client', version: '1.2.3', type: 'module' });
    expect(Object.keys(manifest.exports)).toEqual(['.', './validators']);

    const app = path.join(outside, 'app');
    await cp(out, path.join(app, 'node_modules/tick-service-client'), { recursive: true });
    await writeFiles(app, {
      'package.json': '{ "type": "module", "private": true }\n',
      'main.js': consumerScript,
      'check.ts': consumerTypes,
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023', 'dom'], types: [] },
        files: ['check.ts'],
      }),
    });
    const { stdout: result } = await run(process.execPath, ['main.js'], { cwd: app, env: { ...process.env, BASE_URL: server.url } });
    expect(JSON.parse(result)).toEqual({
      seen: [
        ['tick', 1, '1'],
        ['tick', 3, '3'],
      ],
      invalid: [{ n: 'x' }],
      reply: { ok: true },
      state: 'closed',
    });

    const typeCheck = await run(tsc, ['-p', '.'], { cwd: app }).catch((error: { stdout: string }) => error);
    expect(typeCheck.stdout).toBe('');
  });

  it('refuses to bundle a Node built-in, with a message and no stack trace', async () => {
    const entry = path.join(workspace, 'with-builtin');
    await writeFiles(entry, { 'index.ts': `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n` });
    const failure = await buildClient(entry, path.join(outside, 'never')).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain('imports the Node built-in "node:fs"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
