import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';

/** Sends the message to everyone in the room; the room's stream keeps it for replay. */
export function postChannelMessage(demo: Demo): Handlers['postChannelMessage'] {
  return ({ params, body, identity, connections }) => {
    const message = demo.chat.message(params.channel, identity!.id, body.content);
    connections.streamChatRoom.broadcast('message', message, { topic: { channel: params.channel } });
  };
}
