/** The demo service: every endpoint of asyncapi.yaml, its dashboard at `/` and its docs at `/docs`. */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { createDemoApp } from './demo/app.js';
import { appServerOptions } from './runtime/index.js';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0 to 65535), not "${process.env.PORT}"`);
  process.exit(1);
}

// With REDIS_URL, instances share broadcasts, replay and stream limits; commands wait through an outage.
const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null }) : undefined;
const demo = await createDemoApp({ redis });
// Requests and responses born with the app's prototypes cost each open stream less memory (docs/runtime.md).
const server = createServer(appServerOptions(demo.app), demo.app);
server.once('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${port} is already in use; set PORT to another one` : `Cannot listen on port ${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, () => console.log(`Listening on http://localhost:${port} (dashboard /, docs /docs)`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void demo
      .close()
      .then(() => redis?.quit())
      .then(() => process.exit(0));
  });
}
