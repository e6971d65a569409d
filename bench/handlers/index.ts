import type { Handlers } from '../generated/server.js';
import { streamEvents } from './streamEvents.js';
import { streamTopic } from './streamTopic.js';

const handlers: Handlers = {
  streamEvents,
  streamTopic,
};

export default handlers;
