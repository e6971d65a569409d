import type { Handlers } from '../generated/server.js';

/** GET /topics/{topic}: holds the stream open; events come from `connections.streamTopic.broadcast` with that topic. */
export const streamTopic: Handlers['streamTopic'] = (stream) => stream.closed;
