/** The demo service: every endpoint of asyncapi.yaml, its dashboard at `/` and its docs at `/docs`. */
import { createDemoApp } from './demo/app.js';

const port = Number(process.env.PORT ?? 3000);
const demo = await createDemoApp();
const server = demo.app.listen(port, () => {
  console.log(`Listening on http://localhost:${port} (dashboard /, docs /docs)`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void demo.close().then(() => process.exit(0));
  });
}
