/**
 * The generated client SDK against the generated server for the repo's own asyncapi.yaml, both
 * generated into a scratch folder with mock handlers: events arrive under their code keys
 * (data-only ones included), pass the client validators, and POSTs resolve.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listen } from '../listen.js';
import { REPO_ROOT, first, generate, removeDir, scratchDir } from './helpers.js';

type ClientModule = typeof import('../../generated/client/index.js');
type ValidatorsModule = typeof import('../../generated/client/validators.js');

let dir: string;
let client: ReturnType<ClientModule['createClient']>;
let close: () => Promise<void>;

beforeAll(async () => {
  dir = scratchDir('client');
  const out = path.join(dir, 'generated');
  const run = await generate('--spec', path.join(REPO_ROOT, 'asyncapi.yaml'), '--out', out, '--handlers', path.join(dir, 'handlers'));
  expect(run.code, run.stderr).toBe(0);

  const { createApp } = (await import(path.join(out, 'server.ts'))) as typeof import('../../generated/server.js');
  const { default: handlers } = (await import(path.join(dir, 'handlers/index.ts'))) as { default: import('../../generated/server.js').Handlers };
  const { createClient } = (await import(path.join(out, 'client/index.ts'))) as ClientModule;
  const { validators } = (await import(path.join(out, 'client/validators.js'))) as ValidatorsModule;

  const server = await listen(createApp(handlers, { authenticate: () => ({ id: 'u1', scopes: ['notifications:read'] }) }));
  close = server.close;
  client = createClient({
    baseUrl: server.url,
    headers: { authorization: 'Bearer user-token' },
    validators,
  });
}, 30_000);

afterAll(async () => {
  await close?.();
  removeDir(dir);
});

it('delivers a data-only event under its code key', async () => {
  const event = await first(client.streamPrices());
  expect(event.event).toBe('priceUpdate');
  if (event.event === 'priceUpdate') expect(event.data.symbol).toBe('AAPL');
});

it('streams from a POST stream with a typed body and from a parameterised path', async () => {
  const prices = await first(client.streamSelectedPrices({ body: { symbols: ['AAPL'], interval: 100 } }));
  expect(prices.event).toBe('priceUpdate');
  const room = await first(client.streamChatRoom({ params: { channel: 'general' } }));
  expect(room.event).toBe('join');
});

it('posts receive operations', async () => {
  await expect(client.postChannelMessage({ params: { channel: 'general' }, body: { content: 'hi' } })).resolves.not.toThrow();
  await expect(client.createTask({ body: {} })).resolves.not.toThrow();
});
