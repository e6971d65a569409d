/**
 * The identifier policy end to end, on the corpus specs of each naming row: the output compiles
 * (noUnusedLocals) with the names a user expects, type assertions that must hold or must fail,
 * and the scaffolded service answers the generated client over a real socket.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientOptions, Subscription } from '../../runtime/client/types.js';
import { listen, type Running } from '../listen.js';
import { REPO_ROOT, first, generate, removeDir, scratchDir, shown, typecheck } from './helpers.js';

const CORPUS = path.join(REPO_ROOT, 'test/generator/corpus');

/** Assertions on the generated types, compiled with the output: `@ts-expect-error` lines must fail. */
const TYPE_CHECKS: Record<string, string> = {
  'operation-id-punctuation': `
import type { Handlers } from './generated/server.js';
import { createClient } from './generated/client/index.js';
import type * as T from './generated/types.js';
export const feed: Handlers['order-feed.stream'] = (stream) => stream.send('orderUpdate', { orderId: 'o1' });
export const update: T.OrderUpdate = { orderId: 'o1', status: 'open' };
export const post = (client: ReturnType<typeof createClient>) => client.orderCreate({ body: update });
// @ts-expect-error orderId is a string
export const wrong: T.OrderUpdate = { orderId: 7 };
`,
  'reserved-words': `
import type { Handlers } from './generated/server.js';
import type * as T from './generated/types.js';
export const item: T.Class = { new: true, function: 'f' };
export const handler: Handlers['class'] = (stream) => stream.send('delete', item);
// @ts-expect-error new is required
export const wrong: T.Class = { function: 'f' };
`,
  'unicode-names': `
import type { Handlers } from './generated/server.js';
import type * as T from './generated/types.js';
export const größe: T.Größe = { wert: 1, einheit: 'cm' };
export const 流れ: T.流 = { 値: 'v' };
export const handler: Handlers['ströme'] = (stream) => stream.send('Ärger', größe);
// @ts-expect-error wert is a number
export const wrong: T.Größe = { wert: 'groß' };
`,
  'property-default': `
import type * as T from './generated/types.js';
export const setting: T.Setting = { name: 'x', default: 'y', enum: ['a'] };
// @ts-expect-error the property named default is required
export const missing: T.Setting = { name: 'x' };
`,
  'receive-reply': `
import { createClient } from './generated/client/index.js';
import type { Handlers } from './generated/server.js';
import type * as T from './generated/types.js';
export const reply = (client: ReturnType<typeof createClient>): Promise<T.Receipt> => client.openTicket({ body: { subject: 's' } });
export const answers: Handlers['openTicket'] = () => ({ status: 201, body: { ticketId: 't', queued: false } });
// @ts-expect-error a reply body must be a Receipt
export const wrong: Handlers['openTicket'] = () => ({ body: { ticketId: 5 } });
`,
  'operation-constructor': '',
  'operation-index': '',
  'title-non-latin1': '',
};

interface Project {
  dir: string;
  out: string;
  handlers: string;
}

let scratch: string;
const projects = new Map<string, Project>();
let compiled: { ok: boolean; output: string };

beforeAll(async () => {
  scratch = scratchDir('names');
  for (const [slug, checks] of Object.entries(TYPE_CHECKS)) {
    const dir = path.join(scratch, slug);
    const project = { dir, out: path.join(dir, 'generated'), handlers: path.join(dir, 'handlers') };
    const run = await generate('--spec', path.join(CORPUS, `${slug}.yaml`), '--out', project.out, '--handlers', project.handlers);
    expect(run.code, run.stderr).toBe(0);
    if (checks) writeFileSync(path.join(dir, 'checks.ts'), checks);
    projects.set(slug, project);
  }
  compiled = await typecheck([scratch]);
}, 240_000);

afterAll(() => removeDir(scratch));

function project(slug: string): Project {
  return projects.get(slug)!;
}

function handlerFiles(slug: string): string[] {
  return readdirSync(project(slug).handlers).sort();
}

it('compiles every output with its scaffolded handlers, and each type assertion holds', () => {
  expect(compiled.output).toBe('');
  expect(compiled.ok).toBe(true);
});

it('names handler files and exports by one policy: Unicode kept, reserved words and index suffixed', () => {
  expect(handlerFiles('operation-id-punctuation')).toEqual(['index.ts', 'orderCreate.ts', 'orderFeedStream.ts']);
  expect(handlerFiles('reserved-words')).toEqual(['class_.ts', 'delete_.ts', 'index.ts']);
  expect(handlerFiles('operation-index')).toEqual(['index.ts', 'index_.ts']);
  expect(handlerFiles('unicode-names')).toEqual(['index.ts', 'ströme.ts', '流.ts']);
  expect(handlerFiles('operation-constructor')).toEqual(['constructor.ts', 'index.ts', 'valueOf.ts']);
});

/** Serves a corpus project's scaffolded handlers and builds its generated client. */
async function serve<C>(slug: string, options: object = {}): Promise<{ running: Running; client: C; validators: Record<string, (data: unknown) => boolean> }> {
  const { out, handlers } = project(slug);
  const server = (await import(path.join(out, 'server.ts'))) as { createApp(handlers: object, options?: object): Parameters<typeof listen>[0] };
  const { default: scaffolded } = (await import(path.join(handlers, 'index.ts'))) as { default: object };
  const { createClient } = (await import(path.join(out, 'client/index.ts'))) as { createClient(options: ClientOptions): C };
  const validators = (await import(path.join(out, 'validators.js'))) as Record<string, (data: unknown) => boolean>;
  const running = await listen(server.createApp(scaffolded, options));
  return { running, client: createClient({ baseUrl: running.url }), validators };
}

type Stream = () => Subscription<Record<string, unknown>>;

/** The first event of a stream opened by a generated client method. */
function firstOf(open: Stream) {
  return first<Record<string, unknown>>(open());
}

describe('over a real socket', () => {
  const running: Running[] = [];
  afterAll(async () => {
    for (const r of running) await r.close();
  });

  it('streams and posts operations whose ids hold - and .', async () => {
    const served = await serve<{ orderFeedStream: Stream; orderCreate(request: { body: unknown }): Promise<unknown> }>('operation-id-punctuation');
    running.push(served.running);
    const event = await firstOf(() => served.client.orderFeedStream());
    expect(event.event).toBe('orderUpdate');
    expect(served.validators.validateOrderUpdate!(event.data)).toBe(true);
    await expect(served.client.orderCreate({ body: { orderId: 'o1' } })).resolves.toBeUndefined();
  });

  it('serves operations named constructor, valueOf, class, delete, index and in Unicode', async () => {
    const prototypeNames = await serve<{ constructor: Stream; valueOf: Stream }>('operation-constructor');
    const reserved = await serve<{ class_: Stream; delete_(request: { body: unknown }): Promise<unknown> }>('reserved-words');
    const index = await serve<{ index_: Stream }>('operation-index');
    const unicode = await serve<{ ströme: Stream; 流: Stream }>('unicode-names');
    running.push(prototypeNames.running, reserved.running, index.running, unicode.running);

    expect((await firstOf(() => prototypeNames.client.constructor())).event).toBe('tick');
    expect((await firstOf(() => prototypeNames.client.valueOf())).event).toBe('toString');
    expect((await firstOf(() => reserved.client.class_())).event).toBe('delete');
    await expect(reserved.client.delete_({ body: { new: false } })).resolves.toBeUndefined();
    expect((await firstOf(() => index.client.index_())).event).toBe('entry');
    const ärger = await firstOf(() => unicode.client.ströme());
    expect(ärger.event).toBe('Ärger');
    expect(unicode.validators.validateGröße!(ärger.data)).toBe(true);
    expect(unicode.validators.validateGröße!({ wert: 'groß' })).toBe(false);
    expect((await firstOf(() => unicode.client.流())).event).toBe('流');
  });

  it('validates a schema property named default as the type says', async () => {
    const { validateSetting } = (await import(path.join(project('property-default').out, 'validators.js'))) as Record<string, (data: unknown) => boolean>;
    expect(validateSetting!({ name: 'x', default: 'y', enum: ['a'] })).toBe(true);
    expect(validateSetting!({ name: 'x' })).toBe(false);
  });

  it('answers a receive operation with its reply: the stub a valid one, a handler an invalid one never', async () => {
    const served = await serve<{ openTicket(request: { body: unknown }): Promise<unknown> }>('receive-reply');
    running.push(served.running);
    const reply = await served.client.openTicket({ body: { subject: 'printer' } });
    expect(served.validators.validateReceipt!(reply)).toBe(true);

    const { createApp } = (await import(path.join(project('receive-reply').out, 'server.ts'))) as { createApp(handlers: object, options?: object): Parameters<typeof listen>[0] };
    const errors: string[] = [];
    const faulty = await listen(
      createApp(
        { openTicket: () => ({ body: { ticketId: 5, queued: true } }), streamTickets: async () => {} },
        { logger: { warn: () => {}, error: (message: string, details?: { error?: Error }) => errors.push(`${message} ${details?.error?.message}`) } },
      ),
    );
    running.push(faulty);
    const response = await fetch(`${faulty.url}/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"subject":"s"}' });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(errors.join('\n')).toMatch(/openTicket reply.*ticketId/);
  });

  it('answers 401 with a realm encoded from a title outside Latin-1, not a 500', async () => {
    const served = await serve<{ streamNotes: Stream }>('title-non-latin1', { authenticate: () => null });
    running.push(served.running);
    const response = await fetch(`${served.running.url}/notes`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="Notizen %E2%80%94 %E6%B5%81 %E2%9C%93"');
  });
});

it('refuses two operations that map to one name, at both spec locations, touching nothing', async () => {
  const dir = scratchDir('names-collision');
  try {
    const spec = path.join(CORPUS, 'name-collision.yaml');
    const run = await generate('--spec', spec, '--out', path.join(dir, 'generated'), '--handlers', path.join(dir, 'handlers'));
    expect(run.code).toBe(1);
    const at = (line: number) => `${shown(spec)}:${line}:3`;
    expect(run.stderr).toContain(`${at(22)} error operations "get-user" and "getUser" (at ${at(26)}) both map to the generated name "getUser"`);
    expect(run.stderr).toContain(`${at(26)} error operations "getUser" and "get-user" (at ${at(22)}) both map to the generated name "getUser"`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(path.join(dir, 'generated'))).toBe(false);
    expect(existsSync(path.join(dir, 'handlers'))).toBe(false);
  } finally {
    removeDir(dir);
  }
});
