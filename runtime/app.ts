/**
 * Builds an Express router (or a whole app) from a ServiceSpec and the user's handlers.
 */
import cors from 'cors';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { Registry } from 'prom-client';
import { RuntimeMetrics } from './metrics.js';
import type { AppOptions, CorsSettings } from './options.js';
import type { Logger } from './ports.js';
import { methodNotAllowed, notFound, problemErrorHandler } from './problem.js';
import { receiveRoute } from './receive-route.js';
import { mountInspector } from './inspector.js';
import { authStep } from './request.js';
import { Runtime } from './runtime.js';
import { listenWithAppPrototypes } from './server.js';
import { streamRoute } from './stream-route.js';
import type { EndpointSpec, ServiceSpec, SseRuntime } from './types.js';

export type SseApp<C> = Express & { sse: SseRuntime<C> };
export type SseRouter<C> = Router & { sse: SseRuntime<C> };

const DEFAULT_BODY_LIMIT = '100kb';

/** The user's handler of one operation; generated code types it, so only its shape is checked here. */
function handlerFor<H>(handlers: object, operationId: string, guardable = false): H {
  const found: unknown = (handlers as Record<string, unknown>)[operationId];
  // An operation may be called `constructor` or `toString`: what every object inherits is no handler.
  const handler = found === (Object.prototype as Record<string, unknown>)[operationId] ? undefined : found;
  const guarded = guardable && typeof handler === 'object' && handler !== null && typeof (handler as { admit?: unknown }).admit === 'function' && typeof (handler as { stream?: unknown }).stream === 'function';
  if (typeof handler !== 'function' && !guarded) throw new TypeError(`No handler for operation "${operationId}"`);
  return handler as H;
}

function corsMiddleware(setting: true | CorsSettings): RequestHandler {
  const settings = setting === true ? {} : setting;
  return cors({ origin: settings.origin ?? true, credentials: settings.credentials ?? false });
}

function metricsSettings(options: AppOptions): { registry: Registry; path: string } | null {
  if (!options.metrics) return null;
  const settings = options.metrics === true ? {} : options.metrics;
  return { registry: settings.registry ?? new Registry(), path: settings.path ?? '/metrics' };
}

function byPath(endpoints: EndpointSpec[]): Map<string, EndpointSpec[]> {
  const groups = new Map<string, EndpointSpec[]>();
  for (const endpoint of endpoints) groups.set(endpoint.path, [...(groups.get(endpoint.path) ?? []), endpoint]);
  return groups;
}

function allowedMethods(endpoints: EndpointSpec[]): string[] {
  const methods = new Set<string>(endpoints.map((endpoint) => endpoint.method));
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods];
}

/**
 * A router serving every endpoint of `service`, with its own body parsing and problem+json
 * errors; mount it in an existing app. `router.sse` holds the connection managers and `close()`.
 */
export function createSseRouter<C>(service: ServiceSpec, handlers: object, options: AppOptions = {}): SseRouter<C> {
  const logger: Logger = options.logger ?? console;
  const metricsSetup = metricsSettings(options);
  const metrics = metricsSetup ? new RuntimeMetrics(metricsSetup.registry) : null;
  const runtime = new Runtime<C>(service, options, metrics);
  const router = express.Router() as SseRouter<C>;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  // Not strict: a message payload may be any JSON value, not only an object or array.
  const parseJson = express.json({ limit: bodyLimit, strict: false });
  const parseText = express.text({ limit: bodyLimit, type: 'text/plain' });
  const allowCors = options.cors ? corsMiddleware(options.cors) : null;

  if (metricsSetup) {
    router.get(metricsSetup.path, async (_req, res) => {
      res.type(metricsSetup.registry.contentType).send(await metricsSetup.registry.metrics());
    });
  }
  if (runtime.inspector) mountInspector(router, runtime.inspector, options.authenticate, service.title);
  if (service.document !== undefined) router.get('/asyncapi.json', (_req, res) => void res.json(service.document));

  for (const spec of service.endpoints) {
    if (spec.security.length > 0 && !options.authenticate) {
      throw new TypeError(`Operation "${spec.operationId}" declares security but no authenticate option was given`);
    }
  }
  for (const [path, endpoints] of byPath(service.endpoints)) {
    const route = router.route(path);
    if (allowCors) route.all(allowCors);
    for (const spec of endpoints) {
      const steps: RequestHandler[] = [];
      if (spec.security.length > 0) steps.push(authStep(spec, options.authenticate!, service.title, metrics));
      if (spec.method === 'POST') steps.push(spec.kind === 'receive' && spec.contentType === 'text/plain' ? parseText : parseJson);
      if (spec.kind === 'stream') steps.push(streamRoute(runtime, runtime.managers.get(spec.operationId)!, handlerFor(handlers, spec.operationId, true), logger));
      else steps.push(receiveRoute(runtime, spec, handlerFor(handlers, spec.operationId)));
      route[spec.method === 'GET' ? 'get' : 'post'](...steps);
    }
    route.all(methodNotAllowed(allowedMethods(endpoints)));
  }
  router.use(problemErrorHandler(logger));
  router.sse = runtime;
  return router;
}

/**
 * A complete app: the service's router, 404 problem+json for unknown paths and a last error
 * handler. `createSseApp(service, handlers).listen(port)` serves the API, on a server whose
 * requests share one hidden class (see `appServerOptions`).
 */
export function createSseApp<C>(service: ServiceSpec, handlers: object, options: AppOptions = {}): SseApp<C> {
  const router = createSseRouter<C>(service, handlers, options);
  const app = express() as SseApp<C>;
  app.disable('x-powered-by');
  app.listen = listenWithAppPrototypes(app) as Express['listen'];
  app.use(router);
  app.use(notFound);
  app.use(problemErrorHandler(options.logger ?? console));
  app.sse = router.sse;
  return app;
}
