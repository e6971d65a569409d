import type { RequestHandler } from 'express';
import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';
import { HttpProblem, sendProblem } from '../runtime/index.js';

/** The task's current state, then each change; the stream ends after `completed` or `failed`. */
export function streamTaskProgress(demo: Demo): Handlers['streamTaskProgress'] {
  return async (stream, { params }) => {
    const current = demo.tasks.get(params.taskId);
    if (!current) return;
    stream.send('progress', current);
    if (current.status !== 'running') return;
    let stop = () => {};
    const finished = new Promise<void>((resolve) => {
      stop = demo.tasks.watch(params.taskId, (state) => {
        stream.send('progress', state);
        if (state.status !== 'running') resolve();
      });
    });
    try {
      await Promise.race([finished, stream.closed]);
    } finally {
      stop();
    }
  };
}

/**
 * Mounted on `/tasks/:taskId/progress` ahead of the API: an unknown task is a 404 before any
 * stream opens (the runtime opens the stream before the handler runs).
 */
export function rejectUnknownTask(demo: Demo): RequestHandler {
  return (req, res, next) => {
    const taskId = String(req.params.taskId);
    if (demo.tasks.get(taskId)) next();
    else sendProblem(res, new HttpProblem(404, `No task with id ${taskId}`));
  };
}
