/**
 * HTTP servers whose requests and responses are born with an Express app's prototypes.
 *
 * For every request, Express moves the request and response onto the app's prototypes
 * (`Object.setPrototypeOf`) and then adds properties to both. V8 gives an object whose
 * prototype was changed a new hidden class of its own for every property added afterwards,
 * so each open stream kept two private hidden classes alive (about 2 KB). Requests and
 * responses constructed with those prototypes already in place make the call a no-op, and
 * all of them share one hidden class each.
 */
import { createServer, IncomingMessage, ServerResponse, type Server, type ServerOptions } from 'node:http';
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
