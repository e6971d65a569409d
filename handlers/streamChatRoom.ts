import type { Handlers } from '../generated/server.js';
import { assertRoomName } from '../demo/chat.js';
import type { Demo } from '../demo/services.js';

/**
 * Membership of one room: `join` when a user opens their first stream to it, `leave` when
 * their last one closes. A new stream first hears a `join` for each user already present.
 * Messages arrive through `postChannelMessage`. A room name past its size limit is a 400.
 */
export function streamChatRoom(demo: Demo): Handlers['streamChatRoom'] {
  return {
    admit: ({ params }) => assertRoomName(params.channel),
    async stream(stream, { params, identity, connections }) {
      const { channel } = params;
      const userId = identity!.id;
      stream.metadata.userId = userId;
      const presence = (member = userId) => ({ channel, userId: member, timestamp: new Date().toISOString() });
      for (const member of demo.chat.members(channel)) stream.send('join', presence(member));
      if (demo.chat.enter(channel, userId)) connections.streamChatRoom.broadcast('join', presence(), { topic: { channel } });
      try {
        await stream.closed;
      } finally {
        if (demo.chat.exit(channel, userId)) connections.streamChatRoom.broadcast('leave', presence(), { topic: { channel } });
      }
    },
  };
}
