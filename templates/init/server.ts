/** Serves every endpoint of asyncapi.yaml: `npm start` (port 3000, or PORT). */
import { createApp } from './generated/server.js';
import handlers from './handlers/index.js';

const port = Number(process.env.PORT ?? 3000);
const app = createApp(handlers);
const server = app.listen(port, () => console.log(`Listening on http://localhost:${port}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void app.sse.close().then(() => process.exit(0));
  });
}
