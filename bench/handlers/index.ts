import type { Handlers } from '../generated/server.js';
import { streamEvents } from './streamEvents.js';

const handlers: Handlers = {
  streamEvents,
};

export default handlers;
