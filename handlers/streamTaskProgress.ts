import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';
import { HttpProblem } from 'asyncapi-sse/runtime';

/**
 * An unknown task is a 404 before any stream opens; then the task's current state, then each
 * change; the stream ends after `completed` or `failed`.
 */
export function streamTaskProgress(demo: Demo): Handlers['streamTaskProgress'] {
  return {
    admit({ params }) {
      if (!demo.tasks.get(params.taskId)) throw new HttpProblem(404, `No task with id ${params.taskId}`);
    },
    async stream(stream, { params }) {
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
    },
  };
}
