import type { Handlers } from '../generated/server.js';

/**
 * Tells the others in the room that the caller is typing. The filter (not the caller's own
 * streams) also keeps these short-lived events out of the room's replay log.
 */
export function postTyping(): Handlers['postTyping'] {
  return ({ params, identity, connections }) => {
    const userId = identity!.id;
    connections.streamChatRoom.broadcast('typing', { channel: params.channel, userId }, {
      topic: { channel: params.channel },
      filter: (connection) => connection.metadata.userId !== userId,
    });
  };
}
