/**
 * Chat room state: who is in each room (a user may have several connections open, and counts
 * as joined from the first until the last one closes) and message creation.
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../generated/types.js';
import { HttpProblem } from '../runtime/index.js';

/** Room names are kept (members here, the replay log per room), so they have a size limit. */
export const MAX_ROOM_NAME_LENGTH = 64;

/** Throws 400 for a room name longer than `MAX_ROOM_NAME_LENGTH`. */
export function assertRoomName(channel: string): void {
  if (channel.length <= MAX_ROOM_NAME_LENGTH) return;
  throw new HttpProblem(400, 'Room name is too long', {}, [{ pointer: '/params/channel', message: `must be at most ${MAX_ROOM_NAME_LENGTH} characters` }]);
}

export class ChatRooms {
  /** room -> userId -> open connections */
  private readonly rooms = new Map<string, Map<string, number>>();

  /** Counts one more connection of `userId` in `room`; true when it is the user's first (the user joined). */
  enter(room: string, userId: string): boolean {
    const members = this.rooms.get(room) ?? new Map<string, number>();
    this.rooms.set(room, members);
    const connections = (members.get(userId) ?? 0) + 1;
    members.set(userId, connections);
    return connections === 1;
  }

  /** Counts one connection fewer; true when it was the user's last (the user left). */
  exit(room: string, userId: string): boolean {
    const members = this.rooms.get(room);
    const connections = members?.get(userId);
    if (!members || connections === undefined) return false;
    if (connections > 1) {
      members.set(userId, connections - 1);
      return false;
    }
    members.delete(userId);
    if (members.size === 0) this.rooms.delete(room);
    return true;
  }

  members(room: string): string[] {
    return [...(this.rooms.get(room)?.keys() ?? [])];
  }

  message(channel: string, userId: string, content: string): ChatMessage {
    return { id: randomUUID(), channel, userId, content, timestamp: new Date().toISOString() };
  }
}
