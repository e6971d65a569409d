import type { Handlers } from '../generated/server.js';

/**
 * Posts a message to a room.
 *
 * Accepts the validated body and answers 202 until implemented.
 */
export const postChannelMessage: Handlers['postChannelMessage'] = () => ({ status: 202 });
