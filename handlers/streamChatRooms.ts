import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';

/**
 * The messages of the rooms the body names, in one stream: it joins each room's topic, so a
 * message posted on any instance reaches it. Messages arrive through `postChannelMessage`.
 */
export function streamChatRooms(_demo: Demo): Handlers['streamChatRooms'] {
  return async (stream, { body }) => {
    await Promise.all([...new Set(body.channels)].map((channel) => stream.join({ channel })));
    await stream.closed;
  };
}
