/** `asyncapi-sse init` in a folder: what it adds to an existing package.json, and what it refuses. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runInit } from '../../generator/commands/init.js';
import { removeDir, scratchDir, snapshot } from './helpers.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) removeDir(folder);
});

function project(files: Record<string, string>): string {
  const dir = scratchDir('init');
  folders.push(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function init(dir: string, ...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runInit(argv, { out: (line) => stdout.push(line), err: (line) => stderr.push(line) }, dir);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const userManifest = {
  name: 'shop',
  version: '2.0.0',
  scripts: { build: 'make all', test: 'echo "Error: no test specified" && exit 1' },
  dependencies: { 'asyncapi-sse': '~0.1.0', express: '5.3.0' },
};

describe('asyncapi-sse init', () => {
  it('keeps an existing package.json and its scripts, adds what the service needs, and generates', async () => {
    const dir = project({ 'package.json': JSON.stringify(userManifest) });
    const run = await init(dir);
    expect(run.stderr).toContain('kept your "build" script');
    expect(run.code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'shop',
      version: '2.0.0',
      type: 'module',
      scripts: { build: 'make all', generate: 'asyncapi-sse generate', test: expect.stringContaining('node --test') },
      dependencies: { 'asyncapi-sse': '~0.1.0', express: '5.3.0', ajv: expect.any(String), 'ajv-formats': expect.any(String) },
      devDependencies: { 'asyncapi-sse-generator': expect.stringMatching(/^\^\d/), typescript: expect.any(String), '@types/node': expect.any(String) },
    });
    for (const file of ['asyncapi.yaml', 'server.ts', 'test/service.test.ts', 'tsconfig.json', '.gitignore', 'handlers/streamTicks.ts']) {
      expect(snapshot(dir), file).toHaveProperty([file]);
    }
    expect(readFileSync(path.join(dir, 'generated/server.ts'), 'utf8')).toContain("from 'asyncapi-sse/runtime'");
  }, 120_000);

  it('scaffolds beside folders and files of the project that it does not create', async () => {
    const dir = project({ 'test/other.test.ts': 'mine\n', 'README.md': 'mine\n' });
    const run = await init(dir);
    expect(run.code, run.stderr).toBe(0);
    const files = snapshot(dir);
    expect(files).toHaveProperty([path.join('test', 'service.test.ts')]);
    expect(Buffer.from(files[path.join('test', 'other.test.ts')]!, 'base64').toString()).toBe('mine\n');
    expect(Buffer.from(files['README.md']!, 'base64').toString()).toBe('mine\n');
  }, 120_000);

  it('refuses to overwrite, naming every file that exists, and writes nothing', async () => {
    const dir = project({ 'package.json': JSON.stringify(userManifest), 'server.ts': 'mine\n', 'handlers/x.ts': 'mine\n' });
    const before = snapshot(dir);
    const run = await init(dir);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe('init: refusing to overwrite server.ts, handlers; nothing was written');
    expect(snapshot(dir)).toEqual(before);
  });

  it('rejects an unknown flag with exit code 2 and the usage', async () => {
    const dir = project({});
    const run = await init(dir, '--force');
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toEqual([expect.stringContaining("'--force'"), 'usage: asyncapi-sse init']);
    expect(snapshot(dir)).toEqual({});
  });
});
