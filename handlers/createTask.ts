import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';

/** Starts a demo task; its progress streams from `/tasks/{taskId}/progress`. */
export function createTask(demo: Demo): Handlers['createTask'] {
  return () => ({ status: 202, body: { taskId: demo.tasks.start().taskId } });
}
