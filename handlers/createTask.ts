import type { Handlers } from '../generated/server.js';

/**
 * Starts a demo task (about five seconds) and returns its id.
 *
 * Accepts the validated body and answers 202 until implemented.
 */
export const createTask: Handlers['createTask'] = () => ({ status: 202 });
