/** The demo service for the testing-entry suites: its handlers on one demo state, and its identities. */
import { Registry } from 'prom-client';
import { createApp, service, type Handlers } from '../../generated/server.js';
import { createClient } from '../../generated/client/index.js';
import { createHandlers } from '../../handlers/index.js';
import { authenticate } from '../../demo/identities.js';
import { createDemo } from '../../demo/services.js';
import { openTestService, type TestServiceOptions } from 'asyncapi-sse/testing';

export const U1 = { authorization: 'Bearer user-token' };
export const U2 = { authorization: 'Bearer user2-token' };

/** The demo served for a test; `change` replaces handlers (a broken one, say). */
export async function openDemo(options: Partial<TestServiceOptions<Handlers, ReturnType<typeof createClient>>> = {}, change: Partial<Handlers> = {}) {
  const demos: Array<{ close(): void }> = [];
  const t = await openTestService({
    service,
    createApp,
    createClient,
    handlers: () => {
      const demo = createDemo({ registry: new Registry(), backgroundLogMs: 0 });
      demos.push(demo);
      return { ...createHandlers(demo), ...change };
    },
    ...options,
    appOptions: { authenticate, ...options.appOptions },
  });
  const closeService = t.close;
  return Object.assign(t, {
    async close() {
      await closeService();
      for (const demo of demos) demo.close();
    },
  });
}
