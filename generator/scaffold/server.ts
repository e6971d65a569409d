/**
 * Serves every endpoint of asyncapi.yaml: `npm start` (port 3000, or PORT; 0 picks a free one).
 * With REDIS_URL (`redis://host:6379`) every instance shares broadcasts, replay and stream limits
 * through Redis; that needs the ioredis client: `npm install ioredis`.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from './generated/server.js';
import handlers from './handlers/index.js';

const app = createApp(handlers, { redis: await redisFromEnvironment() });
// Routes of your own go on the app too, e.g. app.get('/healthz', (_req, res) => void res.send('ok'));
const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`Listening on http://localhost:${(server.address() as AddressInfo).port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void app.sse.close().then(() => process.exit(0));
  });
}

/** An ioredis client for REDIS_URL, or none without it; ioredis is loaded only then, so a service without Redis need not install it. */
async function redisFromEnvironment() {
  const url = process.env.REDIS_URL;
  if (!url) return undefined;
  // A specifier the compiler does not resolve: the project builds whether ioredis is installed or not.
  const ioredis = 'ioredis';
  const { Redis } = await import(ioredis).catch(() => {
    console.error('REDIS_URL is set but ioredis is not installed: npm install ioredis');
    process.exit(1);
  });
  // Commands wait through an outage instead of failing.
  return new Redis(url, { maxRetriesPerRequest: null });
}
