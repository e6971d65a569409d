/** The demo service: every endpoint of asyncapi.yaml, served by the handlers in handlers/. */
import { authenticate } from './demo/identities.js';
import { createApp } from './generated/server.js';
import handlers from './handlers/index.js';

const port = Number(process.env.PORT ?? 3000);
createApp(handlers, { authenticate }).listen(port, () => {
  console.log(`Listening on http://localhost:${port}`);
});
