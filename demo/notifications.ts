/**
 * Notifications kept per user, oldest first; each user keeps the latest `maxPerUser`.
 * The demo has no "mark read" endpoint, so every kept notification counts as unread.
 */
import { randomUUID } from 'node:crypto';
import type { Notification, NotificationInput } from '../generated/types.js';

export class NotificationStore {
  private readonly byUser = new Map<string, Notification[]>();

  constructor(private readonly maxPerUser = 100) {}

  create(input: NotificationInput): Notification {
    const { userId, type, title, body } = input;
    const notification: Notification = { id: randomUUID(), userId, type, title, body, createdAt: new Date().toISOString() };
    const list = this.byUser.get(userId) ?? [];
    list.push(notification);
    if (list.length > this.maxPerUser) list.splice(0, list.length - this.maxPerUser);
    this.byUser.set(userId, list);
    return notification;
  }

  unread(userId: string): Notification[] {
    return [...(this.byUser.get(userId) ?? [])];
  }
}
