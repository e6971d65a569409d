import type { Handlers } from '../generated/server.js';

/**
 * Creates a notification, delivered live to that user's connections only.
 *
 * Accepts the validated body and answers 202 until implemented.
 */
export const createNotification: Handlers['createNotification'] = () => ({ status: 202 });
