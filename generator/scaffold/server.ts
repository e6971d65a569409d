/** Serves every endpoint of asyncapi.yaml: `npm start` (port 3000, or PORT; 0 picks a free one). */
import type { AddressInfo } from 'node:net';
import { createApp } from './generated/server.js';
import handlers from './handlers/index.js';

const app = createApp(handlers);
const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`Listening on http://localhost:${(server.address() as AddressInfo).port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void app.sse.close().then(() => process.exit(0));
  });
}
