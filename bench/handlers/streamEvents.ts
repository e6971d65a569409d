import type { Handlers } from '../generated/server.js';

/** GET /events: holds the stream open; every event comes from `connections.streamEvents.broadcast`. */
export const streamEvents: Handlers['streamEvents'] = (stream) => stream.closed;
