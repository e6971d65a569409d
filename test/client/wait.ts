import type { ConnectionStatus, Subscription } from '../../runtime/client/index.js';

/** Resolves with the next status of that type the subscription reports. */
export function nextStatus<E extends object, T extends ConnectionStatus['type']>(
  subscription: Subscription<E>,
  type: T,
): Promise<Extract<ConnectionStatus, { type: T }>> {
  return new Promise((resolve) => {
    const off = subscription.onStatus((status) => {
      if (status.type !== type) return;
      off();
      resolve(status as Extract<ConnectionStatus, { type: T }>);
    });
  });
}

/** Every status the subscription reports, in order. */
export function recordStatuses<E extends object>(subscription: Subscription<E>): ConnectionStatus[] {
  const statuses: ConnectionStatus[] = [];
  subscription.onStatus((status) => statuses.push(status));
  return statuses;
}
