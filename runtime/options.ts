import type { Request, RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';
import type { RedisClient } from './redis/broadcaster.js';
import type { RedisSettings } from './redis/services.js';
import type { Broadcaster, Logger, Replayer } from './ports.js';
import type { Identity } from './types.js';

export type SlowClientPolicy = 'disconnect' | 'drop-oldest';

export interface CorsSettings {
  /** Allowed origins; `true` reflects the request's origin. Default `true`. */
  origin?: boolean | string | RegExp | Array<string | RegExp>;
  /** Sends `Access-Control-Allow-Credentials: true` (cookies with `withCredentials`). Default `false`. */
  credentials?: boolean;
}

export interface MetricsSettings {
  /** Registry to add the metrics to. Default: a new registry owned by this app. */
  registry?: Registry;
  /** Route serving the registry in Prometheus text format. Default `/metrics`. */
  path?: string;
}

export interface InspectorSettings {
  /** Where the page is served; its stream of snapshots is `<path>/stream`. Default `/inspector`. */
  path?: string;
  /**
   * Whether the caller may see every open connection: given the identity `authenticate` resolved
   * (`null` for an anonymous caller, who is answered 401; a refused identity gets 403) and the request.
   * Required unless `NODE_ENV` is `development`, where without it everyone may.
   */
  authorize?: (identity: Identity | null, req: Request) => boolean | Promise<boolean>;
  /** Last broadcast events kept per operation for the page. Default 20. */
  recentEvents?: number;
  /** Time in ms between snapshots (each also carries the event and byte rates over it). Default 1000. */
  intervalMs?: number;
}

export interface AppOptions {
  /** Resolves the caller; `null` means anonymous (401 on secured endpoints). */
  authenticate?: (req: Request) => Identity | null | Promise<Identity | null>;
  /** Validate outgoing payloads against their schema. Default `true`. */
  validateOutgoing?: boolean;
  /** Open streams allowed in this app; beyond it new streams get 503. Default unlimited. */
  maxConnections?: number;
  /** Bytes queued per connection while its socket is full, before `slowClientPolicy` applies. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** What happens to a client past `maxBufferedBytes`. Default `disconnect`. */
  slowClientPolicy?: SlowClientPolicy;
  /**
   * Longest time in ms a connection's socket may go without draining while events wait for it;
   * past it the client is disconnected, whatever `slowClientPolicy` says. Checked at each
   * heartbeat and each queued write. Default 30 000.
   */
  slowClientTimeoutMs?: number;
  /** Largest accepted request body (bytes or a size such as `'100kb'`); beyond it 413. Default `'100kb'`. */
  bodyLimit?: number | string;
  /** Cross-origin access for browsers (`EventSource` with `withCredentials` needs `credentials: true`). */
  cors?: boolean | CorsSettings;
  /** Prometheus metrics (prom-client) and the route that serves them. */
  metrics?: boolean | MetricsSettings;
  /** Stores events of replayable endpoints. Default: an in-memory replayer sized by each endpoint's `replay`. */
  replayer?: Replayer;
  /** Carries broadcasts to every instance. Default: in-process. */
  broadcaster?: Broadcaster;
  /**
   * Runs the app on Redis (an ioredis client, or settings holding one): broadcasts reach every
   * instance, replay works across instances and per-identity limits count every instance's
   * streams. `replayer` and `broadcaster`, when given too, take precedence. See docs/runtime.md.
   */
  redis?: RedisClient | RedisSettings;
  /**
   * Longest time in ms a frame is held under sustained load so it leaves together with later
   * ones (see docs/runtime.md, "The wire"). After a quiet spell frames leave at the end of
   * their tick. 0 flushes at the end of every tick. Default 2.
   */
  coalesceMs?: number;
  /** Heartbeat interval in ms for every endpoint, overriding the spec. */
  heartbeatMs?: number;
  /**
   * A live page of the open connections, event and byte rates, replay logs and the broadcaster's
   * state, itself updated over SSE (see docs/runtime.md, "Connection inspector"). Off by default.
   */
  inspector?: InspectorSettings;
  /** Where runtime warnings and unexpected errors go. Default `console`. */
  logger?: Logger;
  /**
   * Middleware and routers that run before the spec's endpoints, in order (request logging, a
   * page or check that must answer first). Routes added to the app afterwards run after them.
   */
  beforeEndpoints?: Array<RequestHandler | Router>;
}
