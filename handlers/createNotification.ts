import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';

/**
 * Stores a notification and delivers it live to every open stream of that user, on every
 * instance, and no one else's; each caller may create a limited number per minute (429 past it).
 */
export function createNotification(demo: Demo): Handlers['createNotification'] {
  return ({ body, identity, connections }) => {
    demo.quotas.notifications.take(identity!.id);
    const notification = demo.notifications.create(body);
    connections.streamNotifications.broadcast('new', notification, { identity: notification.userId });
  };
}
