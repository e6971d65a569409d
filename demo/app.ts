/**
 * The demo service as one Express app: the generated API with the demo's handlers and
 * identities, the pages (`/`, `/docs`, `/openapi.json`, ...), and request logging into the log stream.
 */
import express, { type Express, type RequestHandler } from 'express';
import { Registry } from 'prom-client';
import { createRouter, type Connections } from '../generated/server.js';
import { createHandlers } from '../handlers/index.js';
import { notFound, type RedisClient, type Replayer, type SseRuntime } from 'asyncapi-sse/runtime';
import { authenticate } from './identities.js';
import type { LogSource } from './logs.js';
import { createDemo, type Demo } from './services.js';
import type { TaskRunnerOptions } from './tasks.js';
import { createPagesRouter } from './web.js';

export interface DemoAppOptions {
  tasks?: TaskRunnerOptions;
  /** Interval of simulated background log entries; 0 turns them off. */
  backgroundLogMs?: number;
  /** Where replayable events are kept (pass one to share it across restarts). */
  replayer?: Replayer;
  /** Shares broadcasts, replay and stream limits with every instance through Redis (one server or a Cluster). */
  redis?: RedisClient;
  /** The built client package served under `/sdk/client/`. Default `client-package`. */
  clientPackageDir?: string;
}

export interface DemoApp {
  app: Express;
  sse: SseRuntime<Connections>;
  demo: Demo;
  /** Ends every stream, then stops the demo's timers. */
  close(): Promise<void>;
}

export async function createDemoApp(options: DemoAppOptions = {}): Promise<DemoApp> {
  const registry = new Registry();
  const demo = createDemo({ registry, tasks: options.tasks, backgroundLogMs: options.backgroundLogMs });
  const api = createRouter(createHandlers(demo), {
    authenticate,
    metrics: { registry },
    replayer: options.replayer,
    redis: options.redis,
    // Every open stream, its identity and the last events, for the admin only.
    inspector: { path: '/inspector', authorize: (identity) => identity?.roles?.includes('admin') ?? false },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(logRequests(demo.logs));
  app.use(await createPagesRouter(options.clientPackageDir));
  app.use(api);
  app.use(notFound);
  return {
    app,
    sse: api.sse,
    demo,
    async close() {
      await api.sse.close();
      demo.close();
    },
  };
}

/** Writes one `http` entry per finished request: method, path, status and duration. */
function logRequests(logs: LogSource): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('close', () => {
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      const ms = Math.round(performance.now() - started);
      logs.write(level, 'http', `${req.method} ${req.originalUrl} ${res.statusCode} ${ms} ms`);
    });
    next();
  };
}
