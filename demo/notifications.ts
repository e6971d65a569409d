/**
 * Notifications kept per user, oldest first; each user keeps the latest `maxPerUser`, and the
 * store forgets the user it heard of first beyond `maxUsers`. The demo has no "mark read"
 * endpoint, so every kept notification counts as unread.
 */
import { randomUUID } from 'node:crypto';
import type { Notification, NotificationInput } from '../generated/types.js';

export class NotificationStore {
  private readonly byUser = new Map<string, Notification[]>();

  constructor(
    private readonly maxPerUser = 100,
    private readonly maxUsers = 1000,
  ) {}

  create(input: NotificationInput): Notification {
    const { userId, type, title, body } = input;
    const notification: Notification = { id: randomUUID(), userId, type, title, body, createdAt: new Date().toISOString() };
    let list = this.byUser.get(userId);
    if (!list) {
      if (this.byUser.size >= this.maxUsers) this.byUser.delete(this.byUser.keys().next().value!);
      list = [];
      this.byUser.set(userId, list);
    }
    list.push(notification);
    if (list.length > this.maxPerUser) list.splice(0, list.length - this.maxPerUser);
    return notification;
  }

  unread(userId: string): Notification[] {
    return [...(this.byUser.get(userId) ?? [])];
  }
}
