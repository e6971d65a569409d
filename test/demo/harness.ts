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

/** Quick tasks and no background log noise unless a test asks for them. */
const TEST_DEFAULTS: DemoAppOptions = { tasks: { durationMs: 300, steps: 3 }, backgroundLogMs: 0 };

export async function startDemo(options: DemoAppOptions = {}, port = 0): Promise<RunningDemo> {
  const demo = await createDemoApp({ ...TEST_DEFAULTS, ...options });
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

export const AUTH = {
  u1: { authorization: 'Bearer user-token' },
  u2: { authorization: 'Bearer user2-token' },
  admin: { authorization: 'Bearer admin-token' },
} as const;
