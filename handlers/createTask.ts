import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';
import { HttpProblem } from 'asyncapi-sse/runtime';

/** Starts a demo task; its progress streams from `/tasks/{taskId}/progress`. 503 while too many run. */
export function createTask(demo: Demo): Handlers['createTask'] {
  return () => {
    const task = demo.tasks.start();
    if (!task) throw new HttpProblem(503, 'Too many tasks are running; try again shortly', { 'Retry-After': '5' });
    return { status: 202, body: { taskId: task.taskId } };
  };
}
