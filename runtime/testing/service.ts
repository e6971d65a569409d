/**
 * `openTestService`: the generated app of a user's spec, served in this process on free
 * 127.0.0.1 ports (one instance, or two sharing a Redis), with the generated client's operations
 * as typed test streams (`open`) and calls (`post`). Every received payload is checked against
 * the spec's validator.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError } from '../client/http.js';
import type { ClientOptions, Subscription, Validator } from '../client/types.js';
import type { AppOptions } from '../options.js';
import type { Logger } from '../ports.js';
import type { ReceiveEndpointSpec, ServiceSpec, StreamEndpointSpec } from '../types.js';
import { describeSchemaErrors, describeValue } from './describe.js';
import { TestStream } from './stream.js';

/** Long enough for a busy CI machine, short enough to fail before a runner's own 5 s test timeout. */
const DEFAULT_TIMEOUT_MS = 4000;

/** What the generated `createApp` returns, as far as a test needs it. */
export interface TestableApp {
  listen(port: number, hostname: string): Server;
  sse: { close(): Promise<void> };
}

// `any` in the bounds below only matches the generated client's functions; what users see is
// each operation's own request and event types, taken from the client.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StreamFunction = (...args: any[]) => Subscription<any>;

/** The client's stream operations, each opening a `TestStream` typed by the spec's events. */
export type TestStreams<C> = {
  [K in keyof C as C[K] extends StreamFunction ? K : never]: C[K] extends (...args: infer A) => Subscription<infer E extends object>
    ? (...args: A) => Promise<TestStream<E>>
    : never;
};

/** The client's receive operations, as the client calls them (rejecting with `HttpError` on a problem). */
export type TestPosts<C> = {
  [K in keyof C as C[K] extends StreamFunction ? never : C[K] extends AnyFunction ? K : never]: C[K];
};

/** The operations, called as one caller (the headers given to `as`, or the service's). */
export interface TestCaller<C> {
  open: TestStreams<C>;
  post: TestPosts<C>;
}

export interface TestInstance<C> extends TestCaller<C> {
  /** e.g. `http://127.0.0.1:41237`. */
  url: string;
  /** The same operations with these request headers (another identity, say). */
  as(headers: Record<string, string>): TestCaller<C>;
}

export interface TestService<C> extends TestInstance<C> {
  /** Every instance; `open`, `post`, `url` and `as` of the service are those of `instances[0]`. */
  instances: Array<TestInstance<C>>;
  /** What the app logged (`AppOptions.logger`) so far: handler errors, warnings. */
  readonly serverLog: readonly string[];
  /** Closes every stream, then the apps, their servers and Redis connections. */
  close(): Promise<void>;
}

export interface TestServiceOptions<H, C> {
  /** The service as plain data (`service` from the generated `server.ts`): its operations and validators. */
  service: ServiceSpec;
  /** The generated `createApp`. */
  createApp: (handlers: H, options: AppOptions) => TestableApp;
  /** The handlers, or a function giving each instance its own (and so its own state). */
  handlers: H | (() => H);
  /** The generated client's `createClient`. */
  createClient: (options: ClientOptions) => C;
  /** Options of every app (`authenticate`, say). Outgoing validation is turned off so the test sees what handlers send. */
  appOptions?: AppOptions;
  /** Request headers of every call (an `Authorization`, say). */
  headers?: Record<string, string>;
  /** Two instances sharing this Redis (keys under a prefix of their own), to test scale-out. */
  redisUrl?: string;
  /** How long opening a stream and `next` wait before failing. Default 4000 ms. */
  timeoutMs?: number;
}

interface Listening {
  server: Server;
  app: TestableApp;
  url: string;
}

/** Opens the service; `close()` it after the tests (in `after`/`afterAll`). */
export async function openTestService<H, C extends object>(options: TestServiceOptions<H, C>): Promise<TestService<C>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const serverLog: string[] = [];
  const logger = recordingLogger(options.appOptions?.logger ?? console, serverLog);
  const redis = options.redisUrl ? await redisClients(options.redisUrl, 2) : [];
  const keyPrefix = `test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const handlersFor = () => (typeof options.handlers === 'function' ? (options.handlers as () => H)() : options.handlers);
  const streams = new Set<TestStream<object>>();

  const listening: Listening[] = [];
  try {
    for (const client of redis.length > 0 ? redis : [undefined]) {
      const app = options.createApp(handlersFor(), {
        ...options.appOptions,
        validateOutgoing: false,
        logger,
        ...(client ? { redis: { client, keyPrefix } } : {}),
      });
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      listening.push({ server, app, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    }
  } catch (error) {
    await closeAll(listening, redis);
    throw error;
  }

  const endpoints = options.service.endpoints;
  // The client checks every payload it receives with these: the spec's validators, by operation and event.
  const validators = Object.fromEntries(
    endpoints.flatMap((endpoint) =>
      endpoint.kind === 'stream' ? [[endpoint.operationId, Object.fromEntries(Object.entries(endpoint.events).flatMap(([key, event]) => (event.validate ? [[key, event.validate as Validator]] : [])))]] : [],
    ),
  );

  function clientFor(instance: number, headers: Record<string, string> | undefined): Record<string, AnyFunction> {
    return options.createClient({
      baseUrl: listening[instance]!.url,
      headers,
      validators,
      // Chosen explicitly so every Node version streams through fetch (Node 20 has no EventSource).
      fetch: (input, init) => globalThis.fetch(input, init),
    }) as Record<string, AnyFunction>;
  }

  function caller(instance: number, headers: Record<string, string> | undefined): TestCaller<C> {
    const client = clientFor(instance, headers);
    const open: Record<string, AnyFunction> = {};
    const post: Record<string, AnyFunction> = {};
    for (const endpoint of endpoints) {
      const call = client[endpoint.operationId];
      if (typeof call !== 'function') continue;
      if (endpoint.kind === 'receive') post[endpoint.operationId] = async (request?: unknown) => checkedReply(endpoint, await call(request));
      else open[endpoint.operationId] = (request?: Record<string, unknown>) => openStream(endpoint, instance, headers, request ?? {});
    }
    return { open, post } as unknown as TestCaller<C>;
  }

  async function openStream(endpoint: StreamEndpointSpec, instance: number, headers: Record<string, string> | undefined, request: Record<string, unknown>): Promise<TestStream<object>> {
    const client = clientFor(instance, headers);
    const subscription = client[endpoint.operationId]!(request) as Subscription<object>;
    const reopen = async (lastEventId: string | null, next: number | undefined) => {
      if (next !== undefined && !listening[next]) throw new RangeError(`No instance ${next}: this service has ${listening.length}`);
      return openStream(endpoint, next ?? instance, headers, { ...request, lastEventId: lastEventId ?? undefined });
    };
    const stream = new TestStream<object>(endpoint.operationId, subscription, Object.keys(endpoint.events), reopen, () => serverLog, timeoutMs);
    streams.add(stream);
    subscription.onStatus((status) => status.type === 'closed' && streams.delete(stream));
    await opened(endpoint.operationId, subscription, timeoutMs, () => serverLog);
    return stream;
  }

  const instances = listening.map((_, index): TestInstance<C> => ({
    url: listening[index]!.url,
    ...caller(index, options.headers),
    as: (headers) => caller(index, { ...options.headers, ...headers }),
  }));
  return {
    ...instances[0]!,
    instances,
    serverLog,
    async close() {
      for (const stream of streams) stream.close();
      await closeAll(listening, redis);
    },
  };
}

/** The reply itself, unless it breaks the operation's `reply` schema (outgoing validation is off in tests); an empty 202 has none. */
function checkedReply(endpoint: ReceiveEndpointSpec, reply: unknown): unknown {
  if (!endpoint.reply || reply === undefined || endpoint.reply(reply)) return reply;
  throw new Error(`${endpoint.operationId}: the reply does not match its schema: ${describeSchemaErrors(endpoint.reply.errors ?? [])}\n  reply: ${describeValue(reply)}`);
}

/** Resolves once the stream's headers arrive; rejects with the problem the server answered instead. */
function opened(name: string, subscription: Subscription<object>, timeoutMs: number, serverLog: () => readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      stop();
      subscription.close();
      const log = serverLog();
      if (log.length > 0) error.message += `\n  the server logged:\n${log.map((line) => `    ${line}`).join('\n')}`;
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`${name}: the stream did not open within ${timeoutMs} ms`)), timeoutMs);
    const stop = subscription.onStatus((status) => {
      if (status.type === 'open') {
        clearTimeout(timer);
        stop();
        resolve();
      } else if (status.type === 'error') {
        fail(status.status === undefined ? new Error(`${name}: the stream failed to open: ${String((status.error as Error | undefined)?.message ?? status.error)}`) : new HttpError(status.status, status.problem));
      } else if (status.type === 'closed') {
        fail(new Error(`${name}: the stream closed (${status.reason}) before it opened`));
      }
    });
  });
}

/** Keeps every line the app logs (for failure messages) and passes it on. */
function recordingLogger(target: Logger, lines: string[]): Logger {
  const record = (level: string, message: string, details?: Record<string, unknown>) => {
    lines.push(`${level}: ${message}${details ? ` ${describeDetails(details)}` : ''}`);
  };
  return {
    warn(message, details) {
      record('warn', message, details);
      target.warn(message, details);
    },
    error(message, details) {
      record('error', message, details);
      target.error(message, details);
    },
  };
}

function describeDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${value instanceof Error ? value.message : JSON.stringify(value)}`)
    .join(' ');
}

// ioredis is an optional peer of the runtime: loaded only when a test asks for Redis.
type RedisClient = import('ioredis').Redis;

async function redisClients(url: string, count: number): Promise<RedisClient[]> {
  const { Redis } = await import('ioredis');
  return Array.from({ length: count }, () => new Redis(url, { maxRetriesPerRequest: null }));
}

async function closeAll(listening: Listening[], redis: RedisClient[]): Promise<void> {
  for (const { app, server } of listening) {
    await app.sse.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await Promise.all(redis.map((client) => client.quit()));
}
