/** The demo service: every endpoint of asyncapi.yaml, its dashboard at `/` and its docs at `/docs`. */
import { createServer } from 'node:http';
import { createDemoApp } from './demo/app.js';
import { appServerOptions, guardServer } from './runtime/index.js';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0 to 65535), not "${process.env.PORT}"`);
  process.exit(1);
}

const demo = await createDemoApp();
// Requests and responses born with the app's prototypes cost each open stream less memory; the
// guard answers malformed requests as problem+json and closes slow ones (docs/runtime.md).
const server = guardServer(createServer(appServerOptions(demo.app), demo.app));
server.once('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${port} is already in use; set PORT to another one` : `Cannot listen on port ${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, () => console.log(`Listening on http://localhost:${port} (dashboard /, docs /docs)`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void demo.close().then(() => process.exit(0));
  });
}
