import { describe, expect, it } from 'vitest';
import { startDemo, useDemo } from './harness.js';
import { EventReader } from './sse.js';

const json = { 'content-type': 'application/json' };

async function startTask(url: string, body: unknown = {}): Promise<string> {
  const response = await fetch(`${url}/tasks`, { method: 'POST', headers: json, body: JSON.stringify(body) });
  expect(response.status).toBe(202);
  const { taskId } = await response.json();
  expect(typeof taskId).toBe('string');
  return taskId;
}

describe('tasks', () => {
  // Steps of 300 ms leave the stream ample time to open before the first one.
  const demo = useDemo({ tasks: { durationMs: 900, steps: 3 } });

  it('streams a started task\'s progress from 0 to 1 and ends the stream after completed', async () => {
    const taskId = await startTask(demo().url, { label: 'report' });
    const stream = await EventReader.open(`${demo().url}/tasks/${taskId}/progress`);
    const events = await stream.rest(5000);
    expect(events.every((event) => event.event === 'progress')).toBe(true);
    const states = events.map((event) => JSON.parse(event.data));
    expect(states.map((state) => state.progress)).toEqual([0, 1 / 3, 2 / 3, 1]);
    expect(states.map((state) => state.status)).toEqual(['running', 'running', 'running', 'completed']);
    expect(states.every((state) => state.taskId === taskId)).toBe(true);
  });

  it('sends only the final state of a task that already ended', async () => {
    const taskId = await startTask(demo().url);
    const progress = () => EventReader.open(`${demo().url}/tasks/${taskId}/progress`);
    await (await progress()).rest();
    const events = await (await progress()).rest();
    expect(events.map((event) => JSON.parse(event.data))).toEqual([{ taskId, status: 'completed', progress: 1, message: 'Done' }]);
  });

  it('answers 404 with a problem, not a stream, for an unknown task id', async () => {
    const response = await fetch(`${demo().url}/tasks/no-such-task/progress`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 404, detail: 'No task with id no-such-task' });
  });

  it('refuses an invalid task request with 400', async () => {
    const response = await fetch(`${demo().url}/tasks`, { method: 'POST', headers: json, body: JSON.stringify({ label: 5 }) });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].pointer).toBe('/body/label');
  });
});

describe('a failing task', () => {
  it('ends its stream after a failed event', async () => {
    const demo = await startDemo({ tasks: { durationMs: 200, steps: 2, failureRate: 1 } });
    try {
      const taskId = await startTask(demo.url);
      const states = (await (await EventReader.open(`${demo.url}/tasks/${taskId}/progress`)).rest()).map((event) => JSON.parse(event.data));
      expect(states.at(-1)).toMatchObject({ taskId, status: 'failed' });
      expect(states.slice(0, -1).every((state) => state.status === 'running')).toBe(true);
    } finally {
      await demo.stop();
    }
  });
});

describe('too many tasks', () => {
  const demo = useDemo({ tasks: { durationMs: 10_000, steps: 2, maxTasks: 1 } });

  it('refuses a task beyond the limit with 503 and Retry-After while the others run', async () => {
    await startTask(demo().url);
    const response = await fetch(`${demo().url}/tasks`, { method: 'POST', headers: json, body: '{}' });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('retry-after')).toBe('5');
  });
});
