/** The demo service: every endpoint of asyncapi.yaml, its dashboard at `/` and its docs at `/docs`. */
import { createDemoApp } from './demo/app.js';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0 to 65535), not "${process.env.PORT}"`);
  process.exit(1);
}

const demo = await createDemoApp();
// Express 5 hands listen errors (a port in use, say) to this callback.
const server = demo.app.listen(port, (error?: NodeJS.ErrnoException) => {
  if (error) {
    console.error(error.code === 'EADDRINUSE' ? `Port ${port} is already in use; set PORT to another one` : `Cannot listen on port ${port}: ${error.message}`);
    process.exit(1);
  }
  console.log(`Listening on http://localhost:${port} (dashboard /, docs /docs)`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void demo.close().then(() => process.exit(0));
  });
}
