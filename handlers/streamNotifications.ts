import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';

/** The caller's unread notifications as `unread` events; `createNotification` sends new ones as `new`. */
export function streamNotifications(demo: Demo): Handlers['streamNotifications'] {
  return async (stream, { identity }) => {
    for (const notification of demo.notifications.unread(identity!.id)) stream.send('unread', notification);
    await stream.closed;
  };
}
