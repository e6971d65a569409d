import type { Handlers } from '../generated/server.js';
import { authenticate } from '../demo/identities.js';
import { ANONYMOUS, type Demo } from '../demo/services.js';
import { HttpProblem } from 'asyncapi-sse/runtime';

/**
 * Starts a demo task; its progress streams from `/tasks/{taskId}/progress`. The endpoint is
 * open to all, but a bearer token gives the caller a task quota of its own (429 past it);
 * anonymous callers share one. 503 while too many run.
 */
export function createTask(demo: Demo): Handlers['createTask'] {
  return ({ request }) => {
    demo.quotas.tasks.take(authenticate(request)?.id ?? ANONYMOUS);
    const task = demo.tasks.start();
    if (!task) throw new HttpProblem(503, 'Too many tasks are running; try again shortly', { 'Retry-After': '5' });
    return { status: 202, body: { taskId: task.taskId } };
  };
}
