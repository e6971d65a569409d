/**
 * Demo tasks: each one advances in equal steps over a fixed duration, then ends completed
 * or (with a configurable probability) failed. Finished tasks are forgotten after a while, or
 * sooner when the runner holds `maxTasks`.
 */
import { randomUUID } from 'node:crypto';
import type { TaskProgress } from '../generated/types.js';

type TaskListener = (state: TaskProgress) => void;

export interface TaskRunnerOptions {
  /** How long a task takes from start to its last step. */
  durationMs?: number;
  steps?: number;
  /** Chance that a task fails at a random step instead of completing. */
  failureRate?: number;
  /** How long a finished task stays readable. */
  keepFinishedMs?: number;
  /** Tasks held at once, running or finished. Default 1000. */
  maxTasks?: number;
  random?: () => number;
}

interface Task {
  state: TaskProgress;
  listeners: Set<TaskListener>;
  timer: NodeJS.Timeout;
}

export class TaskRunner {
  private readonly tasks = new Map<string, Task>();
  private readonly durationMs: number;
  private readonly steps: number;
  private readonly failureRate: number;
  private readonly keepFinishedMs: number;
  private readonly maxTasks: number;
  private readonly random: () => number;

  constructor(options: TaskRunnerOptions = {}) {
    this.durationMs = options.durationMs ?? 5000;
    this.steps = options.steps ?? 10;
    this.failureRate = options.failureRate ?? 0;
    this.keepFinishedMs = options.keepFinishedMs ?? 10 * 60_000;
    this.maxTasks = options.maxTasks ?? 1000;
    this.random = options.random ?? Math.random;
  }

  /** Starts a task; null when `maxTasks` tasks are running. */
  start(): TaskProgress | null {
    if (this.tasks.size >= this.maxTasks && !this.forgetOldestFinished()) return null;
    const taskId = randomUUID();
    const failAtStep = this.random() < this.failureRate ? 1 + Math.floor(this.random() * this.steps) : null;
    let step = 0;
    const task: Task = {
      state: { taskId, status: 'running', progress: 0, message: 'Started' },
      listeners: new Set(),
      timer: setInterval(() => {
        step += 1;
        if (step === failAtStep) this.update(task, { status: 'failed', message: `Step ${step} of ${this.steps} failed` });
        else if (step >= this.steps) this.update(task, { status: 'completed', progress: 1, message: 'Done' });
        else this.update(task, { progress: step / this.steps, message: `Step ${step} of ${this.steps}` });
      }, this.durationMs / this.steps).unref(),
    };
    this.tasks.set(taskId, task);
    return { ...task.state };
  }

  get(taskId: string): TaskProgress | undefined {
    const task = this.tasks.get(taskId);
    return task && { ...task.state };
  }

  /** Calls `listener` on every later change of the task; returns the unsubscribe function. */
  watch(taskId: string, listener: TaskListener): () => void {
    const task = this.tasks.get(taskId);
    if (!task) throw new Error(`unknown task ${taskId}`);
    task.listeners.add(listener);
    return () => task.listeners.delete(listener);
  }

  /** Stops every running task and forgets all of them. */
  close(): void {
    for (const task of this.tasks.values()) clearTimeout(task.timer);
    this.tasks.clear();
  }

  private update(task: Task, change: Partial<TaskProgress>): void {
    task.state = { ...task.state, ...change };
    if (task.state.status !== 'running') this.finish(task);
    for (const listener of task.listeners) listener({ ...task.state });
  }

  /** Maps iterate in insertion order, so the first finished task found is the oldest. */
  private forgetOldestFinished(): boolean {
    for (const task of this.tasks.values()) {
      if (task.state.status === 'running') continue;
      clearTimeout(task.timer);
      return this.tasks.delete(task.state.taskId);
    }
    return false;
  }

  private finish(task: Task): void {
    clearInterval(task.timer);
    task.timer = setTimeout(() => this.tasks.delete(task.state.taskId), this.keepFinishedMs);
    task.timer.unref();
  }
}
