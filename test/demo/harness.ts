/** Starts the demo service on a real socket (127.0.0.1, a free port) for a test. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { createDemoApp, type DemoApp, type DemoAppOptions } from '../../demo/app.js';
import { appServerOptions, guardServer, type ServerGuardOptions } from '../../runtime/index.js';
import type { EventReader } from './sse.js';

export interface RunningDemo extends DemoApp {
  url: string;
  port: number;
  /** Ends every stream and closes the listening socket. */
  stop(): Promise<void>;
}

/** The demo with quick tasks and no background log noise unless a test asks for them. */
export function createTestDemo(options: DemoAppOptions = {}): Promise<DemoApp> {
  return createDemoApp({ tasks: { durationMs: 300, steps: 3 }, backgroundLogMs: 0, ...options });
}

/** Serves the demo as `server.ts` does: the app's prototypes, and the guard (with `guard` options). */
export async function listen(demo: DemoApp, port = 0, guard: ServerGuardOptions = {}): Promise<RunningDemo> {
  const server = guardServer(createServer(appServerOptions(demo.app), demo.app), guard);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    ...demo,
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await demo.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

export async function startDemo(options: DemoAppOptions = {}): Promise<RunningDemo> {
  return listen(await createTestDemo(options));
}

/** Starts a demo before the enclosing suite's tests and stops it after them; call the result inside a test. */
export function useDemo(options: DemoAppOptions = {}): () => RunningDemo {
  let running: RunningDemo | undefined;
  beforeAll(async () => {
    running = await startDemo(options);
  });
  afterAll(() => running?.stop());
  return () => running!;
}

/**
 * Opens five streams of one identity with `open(index)` and checks that a sixth is refused with
 * 429 and a Retry-After; returns the five, still open.
 */
export async function expectStreamLimit(open: (index: number) => Promise<EventReader>): Promise<EventReader[]> {
  const admitted = await Promise.all([0, 1, 2, 3, 4].map(open));
  expect(admitted.map((reader) => reader.response.status)).toEqual([200, 200, 200, 200, 200]);
  const refused = await open(5);
  refused.close();
  expect(refused.response.status).toBe(429);
  expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(0);
  return admitted;
}

export const AUTH = {
  u1: { authorization: 'Bearer user-token' },
  u2: { authorization: 'Bearer user2-token' },
  admin: { authorization: 'Bearer admin-token' },
} as const;
