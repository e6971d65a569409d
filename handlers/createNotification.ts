import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';

/** Stores a notification and delivers it live to every open stream of that user, and no one else's. */
export function createNotification(demo: Demo): Handlers['createNotification'] {
  return ({ body, connections }) => {
    const notification = demo.notifications.create(body);
    connections.streamNotifications.broadcast('new', notification, {
      filter: (connection) => connection.identity?.id === notification.userId,
    });
  };
}
