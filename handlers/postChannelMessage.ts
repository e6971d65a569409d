import type { Handlers } from '../generated/server.js';
import { assertRoomName } from '../demo/chat.js';
import type { Demo } from '../demo/services.js';

/**
 * A message goes to everyone in the room and to the feeds that follow it, and is kept for
 * replay. A typing notice goes to the others only (on every instance), and is kept for replay
 * to them alone, so a member who comes back within the room's replay window hears it too.
 * Messages count against the caller's quota (429 past it); typing notices do not.
 */
export function postChannelMessage(demo: Demo): Handlers['postChannelMessage'] {
  return ({ params: { channel }, body, identity, connections }) => {
    assertRoomName(channel);
    const userId = identity!.id;
    if ('typing' in body) {
      connections.streamChatRoom.broadcast('typing', { channel, userId }, { topic: { channel }, exceptIdentity: userId });
      return;
    }
    demo.quotas.chatMessages.take(userId);
    const message = demo.chat.message(channel, userId, body.content);
    connections.streamChatRoom.broadcast('message', message, { topic: { channel } });
    // Feeds of several rooms (`streamChatRooms`) joined this room's topic.
    connections.streamChatRooms.broadcast('message', message, { topic: { channel } });
  };
}
