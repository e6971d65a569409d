/** Shared by the generator suites: run the CLI in-process, scratch folders inside the repo, tsc. */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ReceivedEvent } from '../../runtime/client/types.js';
import { runCli } from '../../generator/commands/generate.js';
import { listen, type Running } from '../listen.js';

/** A small valid spec: `streamPrices` streams `Tick`s on GET /prices; the `orders` channel is unused. */
export const TICKER_SPEC = `asyncapi: 3.0.0
info:
  title: Ticker
  version: 1.0.0
channels:
  prices:
    address: /prices
    messages:
      tick:
        $ref: '#/components/messages/tick'
  orders:
    address: /orders
    messages:
      order:
        payload:
          type: object
          properties:
            quantity:
              type: integer
              minimum: 1
operations:
  streamPrices:
    action: send
    channel:
      $ref: '#/channels/prices'
    x-sse-heartbeat: 5000
    messages:
      - $ref: '#/channels/prices/messages/tick'
components:
  messages:
    tick:
      payload:
        $ref: '#/components/schemas/Tick'
  schemas:
    Tick:
      type: object
      required: [symbol]
      properties:
        symbol:
          type: string
`;

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRATCH = path.join(REPO_ROOT, '.tmp', 'generator-tests');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `generate` with these arguments, in this process, capturing what it prints. */
export async function generate(...args: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, { out: (line) => stdout.push(line), err: (line) => stderr.push(line) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** A fresh folder under `.tmp/` in the repo (so generated imports of runtime/ resolve). */
export function scratchDir(label: string): string {
  mkdirSync(SCRATCH, { recursive: true });
  return mkdtempSync(path.join(SCRATCH, `${label}-`));
}

/** A scratch project: the spec file written into a fresh folder, and where output and handlers go. */
export interface Project {
  dir: string;
  spec: string;
  out: string;
  handlers: string;
  /** `--spec … --out … --handlers …` */
  args: string[];
}

export function scratchProject(label: string, specText: string): Project {
  const dir = scratchDir(label);
  const spec = path.join(dir, 'asyncapi.yaml');
  const out = path.join(dir, 'generated');
  const handlers = path.join(dir, 'handlers');
  writeFileSync(spec, specText);
  return { dir, spec, out, handlers, args: ['--spec', spec, '--out', out, '--handlers', handlers] };
}

/** A scratch project generated from the spec (no errors allowed), served with its scaffolded handlers on 127.0.0.1. */
export async function servedScratchProject(label: string, specText: string): Promise<{ project: Project; server: Running }> {
  const project = scratchProject(label, specText);
  const run = await generate(...project.args);
  if (run.code !== 0 || / error /.test(run.stderr)) throw new Error(`generate failed:\n${run.stderr}`);
  const { createApp } = (await import(path.join(project.out, 'server.ts'))) as { createApp: (handlers: object) => import('express').Express };
  const { default: handlers } = (await import(path.join(project.handlers, 'index.ts'))) as { default: object };
  return { project, server: await listen(createApp(handlers)) };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every file under `dir` with its bytes, keyed by relative path. */
export function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return Object.fromEntries(
    files.map((e) => {
      const full = path.join(e.parentPath, e.name);
      return [path.relative(dir, full), readFileSync(full, 'base64')];
    }),
  );
}

/** Path of `file` relative to the repo root, as the CLI prints it (tests run from the root). */
export function shown(file: string): string {
  return path.relative(process.cwd(), file);
}

/** Type-checks the TypeScript files under the given folders with the repo's compiler options. */
export async function typecheck(dirs: string[]): Promise<{ ok: boolean; output: string }> {
  const configDir = scratchDir('tsc');
  const config = path.join(configDir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(REPO_ROOT, 'tsconfig.json'),
      // Generated code must compile under the strictest settings a user may have.
      compilerOptions: { noUnusedLocals: true },
      include: dirs.map((d) => path.join(d, '**/*.ts')),
    }),
  );
  try {
    await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', config]);
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout ?? error) };
  } finally {
    removeDir(configDir);
  }
}

/** 1-based line of the first line containing `marker` (fixtures point at their own broken line). */
export function lineOf(text: string, marker: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`marker ${marker} not in fixture`);
  return index + 1;
}

/** The first event a generated client's subscription yields; the subscription is closed after it. */
export async function first<E extends object>(subscription: AsyncIterable<ReceivedEvent<E>> & { close(): void }): Promise<ReceivedEvent<E>> {
  try {
    for await (const event of subscription) return event;
    throw new Error('stream ended without an event');
  } finally {
    subscription.close();
  }
}
