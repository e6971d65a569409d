/**
 * Builds an Express router (or a whole app) from a ServiceSpec and the user's handlers.
 */
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response, type Router } from 'express';
import { Registry } from 'prom-client';
import { RuntimeMetrics } from './metrics.js';
import type { AppOptions, CorsSettings } from './options.js';
import type { Logger } from './ports.js';
import { methodNotAllowed, notFound, problemErrorHandler } from './problem.js';
import { receiveRoute } from './receive-route.js';
import { mountInspector } from './inspector.js';
import { authStep, recordBodyBytes } from './request.js';
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
  const parseJson = express.json({ limit: bodyLimit, strict: false, verify: recordBodyBytes });
  const parseText = express.text({ limit: bodyLimit, type: 'text/plain', verify: recordBodyBytes });
  const allowCors = options.cors ? corsMiddleware(options.cors) : null;

  for (const handler of options.beforeEndpoints ?? []) router.use(handler);
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
 * A complete app: the service's router, then whatever routes the user adds to the app, and
 * problem+json for what none of them answers (404) or for an error (see `answerLeftovers`).
 * `createSseApp(service, handlers).listen(port)` serves the API, on a server whose requests
 * share one hidden class (see `appServerOptions`).
 */
export function createSseApp<C>(service: ServiceSpec, handlers: object, options: AppOptions = {}): SseApp<C> {
  const router = createSseRouter<C>(service, handlers, options);
  const app = express() as SseApp<C>;
  app.disable('x-powered-by');
  app.listen = listenWithAppPrototypes(app) as Express['listen'];
  app.use(router);
  answerLeftovers(app, problemErrorHandler(options.logger ?? console));
  app.sse = router.sse;
  return app;
}

type HandleRequest = (req: Request, res: Response, done?: (error?: unknown) => void) => void;

/**
 * Answers, as problem+json, a request that no route of the app answered (404) or that ended in
 * an error. It takes the place of Express's last handler (an HTML page) rather than being a
 * middleware at the end of the app, so routes the user adds after `createSseApp` returns still
 * come before it. An app mounted in another one passes such requests on to its parent, as any
 * Express app does.
 */
function answerLeftovers(app: Express, onError: ErrorRequestHandler): void {
  const expressApp = app as unknown as { handle: HandleRequest };
  const handle = expressApp.handle.bind(app);
  expressApp.handle = (req, res, done) =>
    handle(req, res, done ?? ((error) => {
      // After the headers, an error can only cut the response short (as Express's own last handler does).
      const giveUp = () => void res.destroy();
      if (error === undefined || error === null) notFound(req, res, giveUp);
      else onError(error, req, res, giveUp);
    }));
}
