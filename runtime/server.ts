/**
 * HTTP/1.1 and HTTP/2 servers whose requests and responses are born with an Express app's prototypes.
 *
 * For every request, Express moves the request and response onto the app's prototypes
 * (`Object.setPrototypeOf`) and then adds properties to both. V8 gives an object whose
 * prototype was changed a new hidden class of its own for every property added afterwards,
 * so each open stream kept two private hidden classes alive (about 2 KB). Requests and
 * responses constructed with those prototypes already in place make the call a no-op, and
 * all of them share one hidden class each.
 */
import { createServer, IncomingMessage, ServerResponse, type Server, type ServerOptions } from 'node:http';
import {
  createServer as createH2cServer,
  createSecureServer,
  Http2ServerRequest,
  Http2ServerResponse,
  type Http2SecureServer,
  type Http2Server,
  type SecureServerOptions,
} from 'node:http2';
import type { Express } from 'express';
import { guardServer } from './server-guard.js';

export type AppServerOptions = Required<Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'>>;

const installed = new WeakMap<Express, AppServerOptions>();

/**
 * The `IncomingMessage` and `ServerResponse` classes for a server of `app`, for
 * `http.createServer(appServerOptions(app), app)` or `https.createServer({ ...tls, ...appServerOptions(app) }, app)`.
 * The first call puts their prototypes in place of the app's request and response prototypes,
 * with the same properties and parent, so middleware sees no difference.
 */
export function appServerOptions(app: Express): AppServerOptions {
  return installed.get(app) ?? install(app);
}

function install(app: Express): AppServerOptions {
  // Subclasses, whose instances V8 sizes and shares hidden classes for as it does for Node's own.
  class AppRequest extends IncomingMessage {}
  app.request = takeOver(AppRequest.prototype, app.request);
  class AppResponse extends ServerResponse {}
  app.response = takeOver(AppResponse.prototype, app.response);
  const options: AppServerOptions = { IncomingMessage: AppRequest, ServerResponse: AppResponse as typeof ServerResponse };
  installed.set(app, options);
  return options;
}

/**
 * Makes `prototype` stand in for `replaced`: the same own properties (`app`, anything added)
 * and the same prototype, so Express re-parenting it when the app is mounted works as before.
 */
function takeOver<T extends object>(prototype: object, replaced: T): T {
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(replaced));
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(replaced));
  return prototype as T;
}

type ListenArgs = Parameters<Server['listen']>;

/**
 * `app.listen` as Express defines it (a callback given last also receives a listen error),
 * on a server built with `appServerOptions` and guarded by `guardServer`.
 */
export function listenWithAppPrototypes(app: Express): (...args: ListenArgs) => Server {
  return (...args) => {
    const server = guardServer(createServer(appServerOptions(app), app));
    const last: unknown = args.at(-1);
    if (typeof last === 'function') {
      let called = false;
      const once = (...results: unknown[]) => {
        if (called) return;
        called = true;
        last(...results);
      };
      args[args.length - 1] = once;
      server.once('error', once);
    }
    return server.listen(...args);
  };
}

/**
 * An HTTP/2 server for `app`: with `tls`, HTTPS that also answers HTTP/1.1 clients (`allowHTTP1`);
 * without, cleartext HTTP/2 with prior knowledge (h2c), for a proxy in front that speaks it.
 */
export function createHttp2AppServer(app: Express, tls: SecureServerOptions): Http2SecureServer;
export function createHttp2AppServer(app: Express): Http2Server;
export function createHttp2AppServer(app: Express, tls?: SecureServerOptions): Http2SecureServer | Http2Server {
  const listener = http2Listener(app);
  if (!tls) return createH2cServer(listener);
  const { IncomingMessage: Http1IncomingMessage, ServerResponse: Http1ServerResponse } = appServerOptions(app);
  return createSecureServer({ ...tls, allowHTTP1: true, Http1IncomingMessage, Http1ServerResponse }, listener);
}

type Http2Listener = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

/**
 * Express moves every request and response onto its request and response prototypes, whose
 * chains end in `http.IncomingMessage` and `http.ServerResponse`: an HTTP/2 request moved there
 * loses the getters and stream methods of `Http2ServerRequest` (its body read fails with a
 * TypeError, and `res.write` never reaches the stream). HTTP/2 requests and responses therefore
 * reach the app wrapped in a proxy that turns each such move into a move onto a twin prototype:
 * the same properties, on a chain that ends in `Http2ServerRequest` or `Http2ServerResponse`.
 * Mounted sub-apps, which move them again, get their twins the same way.
 */
function http2Listener(app: Express): Http2Listener {
  const requests = twins(IncomingMessage.prototype, Http2ServerRequest.prototype);
  const responses = twins(ServerResponse.prototype, Http2ServerResponse.prototype);
  return (req, res) => {
    if (!(req instanceof Http2ServerRequest)) {
      app(req, res as ServerResponse);
      return;
    }
    announceBody(req);
    app(requests(req), responses(res));
  };
}

/**
 * An HTTP/2 request may send a body without `content-length` (the stream's end marks its end, as
 * Node's http2 client and `fetch` with a stream body do), but body parsers read only a body a
 * request announces by `content-length` or `transfer-encoding` (type-is `hasBody`), so they read
 * such a body as none. A request whose headers did not end its stream has one, so it is
 * announced as HTTP/1.1 announces a body of unknown length (`transfer-encoding: chunked`).
 */
function announceBody(req: Http2ServerRequest): void {
  const { headers } = req;
  if (headers['content-length'] === undefined && !req.stream.endAfterHeaders) headers['transfer-encoding'] = 'chunked';
}

/** Wraps an HTTP/2 request or response; Express sees it as the HTTP/1 object whose API it mirrors. */
function twins<Http1 extends object>(http1: Http1, http2: object): (target: object) => Http1 {
  const made = new WeakMap<object, object>([[http1, http2]]);
  const twinOf = (prototype: object): object => {
    let twin = made.get(prototype);
    if (twin) return twin;
    const parent: object | null = Object.getPrototypeOf(prototype);
    // A chain without the HTTP/1 class (not a request or response): left as it ends.
    if (parent === null) return prototype;
    twin = Object.create(twinOf(parent), Object.getOwnPropertyDescriptors(prototype)) as object;
    made.set(prototype, twin);
    return twin;
  };
  const handler: ProxyHandler<object> = {
    setPrototypeOf: (target, prototype) => Reflect.setPrototypeOf(target, prototype === null ? null : twinOf(prototype)),
  };
  return (target) => new Proxy(target, handler) as Http1;
}
