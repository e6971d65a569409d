/** Starts the demo service on a real socket (127.0.0.1, a free port) for a test. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDemoApp, type DemoApp, type DemoAppOptions } from '../../demo/app.js';

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

export async function listen(demo: DemoApp, port = 0): Promise<RunningDemo> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = demo.app.listen(port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
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

export const AUTH = {
  u1: { authorization: 'Bearer user-token' },
  u2: { authorization: 'Bearer user2-token' },
  admin: { authorization: 'Bearer admin-token' },
} as const;
