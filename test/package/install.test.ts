/**
 * The packages as a user gets them: `npm pack` of the runtime, the generator and the AsyncAPI
 * generator template, installed into a new project outside the repository (npm needs only its
 * registry or cache), `asyncapi-sse init`, the project's own `npm test` (and its failure when a
 * handler sends an invalid event), a `tsc` build served by plain node, every command, the template
 * installed by name, the client package of the project's spec in a fresh Node project, and last
 * the production install (`--omit=dev`): small, no toolchain, no install script, and it serves.
 * No tsx anywhere. Runs on whichever Node runs vitest (.ci/run runs it on Node 22 and 24 too).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Generator from '@asyncapi/generator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBrowser, launchBrowser } from '../browser/chromium.js';
import { snapshot } from '../generator/helpers.js';

const repo = path.resolve(import.meta.dirname, '../..');
/** Installs from the registry (or npm's cache) and builds: minutes on a busy machine. */
const SLOW = 15 * 60_000;

// The repository's tests load the package from source (vitest.config.ts); the user's project must not.
const { NODE_OPTIONS: _sourceCondition, ...userEnv } = process.env;
const env = { ...userEnv, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Result> {
  return promisify(execFile)(command, args, { cwd, env: { ...env, ...extraEnv }, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

/** Runs a step that must succeed; its output is the failure message otherwise. */
async function step(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Result> {
  const result = await run(command, args, cwd, extraEnv);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** The packages installed under a `node_modules` folder (nested ones included), with their manifests. */
async function installedPackages(nodeModules: string): Promise<Array<{ dir: string; manifest: { name: string; scripts?: Record<string, string> } }>> {
  const found: Array<{ dir: string; manifest: { name: string; scripts?: Record<string, string> } }> = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const dirs = entry.name.startsWith('@') ? (await readdir(path.join(nodeModules, entry.name))).map((name) => path.join(nodeModules, entry.name, name)) : [path.join(nodeModules, entry.name)];
    for (const dir of dirs) {
      if (!existsSync(path.join(dir, 'package.json'))) continue;
      found.push({ dir, manifest: JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) });
      if (existsSync(path.join(dir, 'node_modules'))) found.push(...(await installedPackages(path.join(dir, 'node_modules'))));
    }
  }
  return found;
}

/** Bytes of every file under `dir`, as the files' sizes add up. */
async function bytesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((entry) => entry.isFile()).map(async (entry) => (await lstat(path.join(entry.parentPath, entry.name))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** Starts `node dist/server.js` on a free port; resolves once it listens. */
async function startServer(cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/server.js'], { cwd, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const listening = /Listening on (http:\S+)/.exec(output);
      if (listening) resolve(listening[1]!.replace('localhost', '127.0.0.1'));
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`dist/server.js exited ${code}: ${output}`)));
  });
  return { child, url };
}

/** A script that knows only the built files: the first tick of the GET stream, through the generated client. */
const receiveTick = `
import { createClient } from '%CLIENT%';
const client = createClient({ baseUrl: process.env.BASE_URL });
for await (const event of client.streamTicks({ signal: AbortSignal.timeout(20_000) })) {
  console.log(JSON.stringify(event));
  break;
}
`;

/** A page that imports the client package as-is (an import map, no bundler) and shows the first tick. */
const tickPage = `<!doctype html>
<script type="importmap">{ "imports": { "my-service": "./index.js" } }</script>
<pre id="tick"></pre>
<script type="module">
  import { createClient } from 'my-service';
  const ticks = createClient({ baseUrl: '' }).streamTicks();
  ticks.on('tick', (tick) => {
    document.querySelector('#tick').textContent = JSON.stringify(tick);
    ticks.close();
  });
</script>`;

describe(`the packed packages in a new project, on Node ${process.versions.node}`, () => {
  let scratch: string;
  let app: string;
  let server: { child: ChildProcess; url: string } | undefined;
  let template: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'asyncapi-sse-package-'));
    app = path.join(scratch, 'app');
    await mkdir(app);
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill();
      await once(server.child, 'exit');
    }
    await rm(scratch, { recursive: true, force: true });
  });

  it('installs, scaffolds with init, and passes its own npm test', async () => {
    const packed = await step('npm', ['pack', '--workspace', 'runtime', '--workspace', 'generator', '--workspace', 'asyncapi-template', '--pack-destination', scratch], repo);
    const [runtime, generator, templatePackage] = packed.stdout.trim().split('\n').slice(-3).map((name) => path.join(scratch, name));
    expect([runtime, generator, templatePackage].map((tarball) => path.basename(tarball!))).toEqual([
      expect.stringMatching(/^asyncapi-sse-\d/),
      expect.stringMatching(/^asyncapi-sse-generator-/),
      expect.stringMatching(/^asyncapi-sse-template-/),
    ]);
    template = templatePackage!;
    for (const tarball of [runtime!, generator!, template]) {
      const shipped = (await step('tar', ['-tzf', tarball], scratch)).stdout.split('\n').filter(Boolean);
      expect(shipped.filter((file) => /^package\/(test|bench|demo|generated|handlers|node_modules)\//.test(file))).toEqual([]);
    }

    await step('npm', ['init', '-y'], app);
    await step('npm', ['install', '--prefer-offline', runtime!], app);
    await step('npm', ['install', '--prefer-offline', '--save-dev', generator!], app);
    await step('npx', ['asyncapi-sse', 'init'], app);
    const manifest = JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8'));
    // The project's own package.json, extended: its name, and the tarballs it installed; the toolchain only for development.
    expect(manifest).toMatchObject({
      name: 'app',
      type: 'module',
      dependencies: { 'asyncapi-sse': expect.stringMatching(/^file:.*\.tgz$/), ajv: expect.any(String), 'ajv-formats': expect.any(String) },
      devDependencies: { 'asyncapi-sse-generator': expect.stringMatching(/^file:.*\.tgz$/), typescript: expect.any(String) },
    });
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['ajv', 'ajv-formats', 'asyncapi-sse']);
    await step('npm', ['install', '--prefer-offline'], app);
    const test = await step('npm', ['test'], app);
    // Node's test runner reports in TAP (`# pass 3`) on Node 20, with its spec reporter (`ℹ pass 3`) from Node 22 on.
    expect(test.stdout).toMatch(/^(#|ℹ) pass 3\b/m);
    expect(test.stdout).toMatch(/^(#|ℹ) fail 0\b/m);
    expect(existsSync(path.join(app, 'node_modules/tsx'))).toBe(false);
  }, SLOW);

  it('fails its npm test when a handler sends an invalid event, showing the event and the schema error', async () => {
    const handler = path.join(app, 'handlers/streamTicks.ts');
    const valid = await readFile(handler, 'utf8');
    expect(valid).toContain("stream.send('tick', { count: 1,");
    await writeFile(handler, valid.replace("stream.send('tick', { count: 1,", "stream.send('tick', { count: -1,"));
    try {
      const test = await run('npm', ['test'], app);
      expect(test.code).not.toBe(0);
      expect(test.stdout).toMatch(/^(#|ℹ) fail 1\b/m);
      expect(test.stdout).toContain('streamTicks: waiting for event "tick", got event "tick" that does not match its schema: /count must be >= 0');
      expect(test.stdout).toContain('payload: {"count":-1,"at":"2026-01-01T00:00:00.000Z"}');
    } finally {
      await writeFile(handler, valid);
    }
  }, SLOW);

  it('generates code that imports the runtime and client by package name only', async () => {
    const generated = await filesUnder(path.join(app, 'generated'));
    const texts = await Promise.all(generated.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
    expect(texts.filter(({ text }) => text.includes("from 'asyncapi-sse/runtime'")).map(({ file }) => path.basename(file))).toContain('server.ts');
    expect(texts.filter(({ text }) => text.includes("from 'asyncapi-sse/client'")).map(({ file }) => path.relative(app, file))).toContain('generated/client/index.ts');
    const pathImports = texts.filter(({ text }) => /node_modules|['"](\.\.?\/)+(\S+\/)?(runtime|client)\/(index|types)\.js['"]/.test(text));
    expect(pathImports.map(({ file }) => file)).toEqual([]);
  });

  it('builds with tsc and serves an event on plain node', async () => {
    await step('npm', ['run', 'build'], app);
    server = await startServer(app);
    await writeFile(path.join(app, 'receive.mjs'), receiveTick.replace('%CLIENT%', './dist/generated/client/index.js'));
    const { stdout } = await step(process.execPath, ['receive.mjs'], app, { BASE_URL: server.url });
    expect(JSON.parse(stdout)).toMatchObject({ event: 'tick', data: { count: expect.any(Number) } });
  }, SLOW);

  it('prints usage for every command and one line for a bad flag, without a stack trace', async () => {
    const help = await step('npx', ['asyncapi-sse', '--help'], app);
    expect(help.stdout).toMatch(/^usage: asyncapi-sse <command>/);
    for (const command of ['generate', 'init', 'build-client', 'diff']) {
      const usage = await step('npx', ['asyncapi-sse', command, '--help'], app);
      expect(usage.stdout).toMatch(new RegExp(`^usage: asyncapi-sse ${command}\\b`));
    }
    const bad = await run('npx', ['asyncapi-sse', 'generate', '--no-such-flag'], app);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Unknown option '--no-such-flag'/), expect.stringMatching(/^usage: asyncapi-sse generate /)]);
    const refused = await run('npx', ['asyncapi-sse', 'init'], app);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^init: refusing to overwrite asyncapi\.yaml, server\.ts, .*; nothing was written$/m);
    const generated = await step('npx', ['asyncapi-sse', 'generate'], app);
    expect(generated.stdout).toMatch(/0 stale|unchanged/);
  }, SLOW);

  it('diff names a change that breaks clients at its line, and exits 1', async () => {
    const spec = await readFile(path.join(app, 'asyncapi.yaml'), 'utf8');
    expect(await run('npx', ['asyncapi-sse', 'diff', 'asyncapi.yaml', 'asyncapi.yaml'], app)).toMatchObject({ code: 0 });
    const renamed = spec.replace('address: /ticks/stream', 'address: /tick-stream');
    expect(renamed).not.toBe(spec);
    await writeFile(path.join(scratch, 'new.yaml'), renamed);
    const breaking = await run('npx', ['asyncapi-sse', 'diff', 'asyncapi.yaml', path.join(scratch, 'new.yaml')], app);
    expect(breaking.code, breaking.stderr).toBe(1);
    expect(breaking.stdout).toMatch(/new\.yaml:\d+:\d+ breaking operation "streamTicks"/);
  }, SLOW);

  it('the AsyncAPI generator template, installed by name, prints byte for byte what asyncapi-sse generate prints', async () => {
    await step('npm', ['install', '--prefer-offline', '--save-dev', template], app);
    const out = path.join(scratch, 'from-template');
    const cli = path.join(scratch, 'from-cli');
    // As `asyncapi generate fromTemplate asyncapi.yaml asyncapi-sse-template -o out` runs it, from the installed package.
    const generator = new Generator(path.join(app, 'node_modules/asyncapi-sse-template'), path.join(out, 'generated'), { forceWrite: true, templateParams: { handlers: '../handlers' } });
    await generator.generateFromFile(path.join(app, 'asyncapi.yaml'));
    await step('npx', ['asyncapi-sse', 'generate', '--out', path.join(cli, 'generated'), '--handlers', path.join(cli, 'handlers')], app);
    const written = snapshot(out);
    expect(Object.keys(written)).toContain(path.join('generated', 'server.ts'));
    expect(written).toEqual(snapshot(cli));
  }, SLOW);

  it("builds the spec's client package, which a fresh Node project imports", async () => {
    await step('npx', ['asyncapi-sse', 'build-client'], app);
    const manifest = JSON.parse(await readFile(path.join(app, 'client-package/package.json'), 'utf8'));
    expect(manifest.name).toBe('my-service');
    const consumer = path.join(scratch, 'consumer');
    await cp(path.join(app, 'client-package'), path.join(consumer, 'node_modules/my-service'), { recursive: true });
    await writeFile(path.join(consumer, 'package.json'), '{ "type": "module", "private": true }\n');
    await writeFile(path.join(consumer, 'receive.js'), receiveTick.replace('%CLIENT%', 'my-service'));
    expect(server?.child.exitCode).toBe(null);
    const { stdout } = await step(process.execPath, ['receive.js'], consumer, { BASE_URL: server!.url });
    expect(JSON.parse(stdout)).toMatchObject({ event: 'tick', data: { count: expect.any(Number) } });
  }, SLOW);

  describeBrowser('in Chromium', () => {
    it("the spec's client package, served as-is, receives a tick", async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        // The page and the package come from the server's own origin, so the stream needs no CORS.
        await page.route(`${server!.url}/client-package/**`, async (route) => {
          const file = new URL(route.request().url()).pathname.replace('/client-package/', '');
          if (file === 'index.html') return route.fulfill({ contentType: 'text/html', body: tickPage });
          return route.fulfill({ contentType: 'text/javascript', body: await readFile(path.join(app, 'client-package', file), 'utf8') });
        });
        await page.goto(`${server!.url}/client-package/index.html`);
        await expect.poll(() => page.locator('#tick').textContent(), { timeout: 15_000 }).toMatch(/^\{"count":\d+,"at":/);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
  it('installs for production (--omit=dev) small, without the toolchain or an install script, and serves', async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill();
      await once(server.child, 'exit');
    }
    await rm(path.join(app, 'node_modules'), { recursive: true, force: true });
    const install = await step('npm', ['install', '--prefer-offline', '--omit=dev', '--foreground-scripts'], app);
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/install.?script/i);
    const installed = await installedPackages(path.join(app, 'node_modules'));
    const names = installed.map(({ manifest }) => manifest.name);
    const bytes = await bytesUnder(path.join(app, 'node_modules'));
    console.log(`production install: ${installed.length} packages, ${(bytes / 1e6).toFixed(1)} MB`);
    expect(installed.length).toBeLessThanOrEqual(110);
    expect(bytes).toBeLessThanOrEqual(25e6);
    expect(names.filter((name) => ['typescript', 'esbuild', 'prettier', 'handlebars', '@asyncapi/parser', 'asyncapi-sse-generator', 'ioredis'].includes(name))).toEqual([]);
    const withInstallScripts = installed.filter(({ dir, manifest }) => ['preinstall', 'install', 'postinstall'].some((script) => manifest.scripts?.[script]) || existsSync(path.join(dir, 'binding.gyp')));
    expect(withInstallScripts.map(({ manifest }) => manifest.name)).toEqual([]);

    server = await startServer(app);
    const { stdout } = await step(process.execPath, ['receive.mjs'], app, { BASE_URL: server.url });
    expect(JSON.parse(stdout)).toMatchObject({ event: 'tick', data: { count: expect.any(Number) } });

    // Redis needs its client, which the production install does not have: the server says how to add it.
    const redis = await run(process.execPath, ['dist/server.js'], app, { PORT: '0', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(redis.code).toBe(1);
    expect(redis.stderr.trim()).toBe('REDIS_URL is set but ioredis is not installed: npm install ioredis');
  }, SLOW);
});
