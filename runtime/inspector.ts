/**
 * The connection inspector's routes: the page at `<path>` and, at `<path>/stream`, an event stream
 * of snapshots (one per interval, and one soon after a connection opens or closes), both behind
 * the inspector's `authorize`.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { bearerChallenge, type Authenticate } from './auth.js';
import type { Broadcaster, Replayer } from './ports.js';
import { openEventStream } from './connection.js';
import type { OperationConnectionManager } from './connection-manager.js';
import { INSPECTOR_PAGE, INSPECTOR_PAGE_POLICY } from './inspector-page.js';
import { InspectorState } from './inspector-state.js';
import type { InspectorSettings } from './options.js';
import { HttpProblem } from './problem.js';
import { frameEvent } from './wire.js';

const DEFAULT_PATH = '/inspector';
const DEFAULT_INTERVAL_MS = 1000;
/** A burst of opens and closes gives one snapshot this long after the first, not one each. */
const CHANGE_DELAY_MS = 100;
/** Pages open at once; the inspector is for a few operators, and each costs a snapshot per interval. */
const MAX_VIEWERS = 16;

export interface ResolvedInspectorSettings {
  path: string;
  authorize: NonNullable<InspectorSettings['authorize']> | null;
  recentEvents: number | undefined;
  intervalMs: number;
}

/** Checks the settings once, at startup: an inspector open to anyone is refused outside development. */
export function inspectorSettings(settings: InspectorSettings): ResolvedInspectorSettings {
  const path = settings.path ?? DEFAULT_PATH;
  if (!path.startsWith('/') || path.endsWith('/')) throw new TypeError(`Option inspector.path must start with "/" and not end with one, got "${path}"`);
  const intervalMs = settings.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new TypeError(`Option inspector.intervalMs must be a positive number, got ${intervalMs}`);
  if (!settings.authorize && process.env.NODE_ENV !== 'development') {
    throw new TypeError(
      'Option inspector needs an authorize function: the inspector shows every open connection and its identity, so it is open to anyone only when NODE_ENV=development',
    );
  }
  return { path, authorize: settings.authorize ?? null, recentEvents: settings.recentEvents, intervalMs };
}

/** The snapshots of one runtime, sent to every open inspector page. */
export class InspectorFeed {
  readonly state: InspectorState;
  private readonly viewers = new Set<Response>();
  /** Viewers whose socket is full: they skip snapshots until it drains. */
  private readonly behind = new WeakSet<Response>();
  private ticker: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;

  constructor(
    readonly settings: ResolvedInspectorSettings,
    private readonly managers: () => Iterable<OperationConnectionManager>,
    private readonly replayer: Replayer,
    broadcaster: Broadcaster,
  ) {
    this.state = new InspectorState(settings.recentEvents);
    this.state.watch(broadcaster);
    this.state.onChange = () => this.sendSoon();
  }

  /** Opens an event stream of snapshots on `res`, starting with one now. */
  view(req: Request, res: Response): void {
    if (this.viewers.size >= MAX_VIEWERS) throw new HttpProblem(503, `At most ${MAX_VIEWERS} inspector pages may be open at once`, { 'Retry-After': '5' });
    openEventStream(req, res);
    // Express routes HEAD to GET handlers: the headers answer it, no stream follows.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    this.viewers.add(res);
    res.on('close', () => {
      this.viewers.delete(res);
      if (this.viewers.size === 0) this.stop();
    });
    res.on('drain', () => this.behind.delete(res));
    if (!this.ticker) {
      this.state.tick();
      this.ticker = setInterval(() => {
        this.state.tick();
        this.send();
      }, this.settings.intervalMs).unref();
    }
    this.write(res, this.frame());
  }

  /** Ends every open page (the runtime is closing). */
  close(): void {
    this.stop();
    this.state.close();
    for (const res of this.viewers) res.end();
    this.viewers.clear();
  }

  private stop(): void {
    clearInterval(this.ticker);
    clearTimeout(this.soon);
    this.ticker = undefined;
    this.soon = undefined;
  }

  private sendSoon(): void {
    if (this.viewers.size === 0 || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.send();
    }, CHANGE_DELAY_MS).unref();
  }

  private send(): void {
    if (this.viewers.size === 0) return;
    const frame = this.frame();
    for (const res of this.viewers) {
      // A page that cannot keep up gets no backlog: the snapshot after its socket drains says it all.
      if (!this.behind.has(res)) this.write(res, frame);
    }
  }

  private write(res: Response, frame: Buffer): void {
    if (!res.write(frame)) this.behind.add(res);
  }

  private frame(): Buffer {
    return frameEvent({ event: 'snapshot', data: JSON.stringify(this.state.snapshot(this.managers(), this.replayer)) });
  }
}

/** Mounts the page and its stream on `router`. */
export function mountInspector(router: Router, feed: InspectorFeed, authenticate: Authenticate | undefined, realm: string): void {
  const allowed = authorizeStep(feed.settings, authenticate, realm);
  const { path } = feed.settings;
  router.get(path, allowed, (_req, res) => {
    res.set({ 'Content-Security-Policy': INSPECTOR_PAGE_POLICY, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    res.type('html').send(INSPECTOR_PAGE);
  });
  router.get(`${path}/stream`, allowed, (req, res) => feed.view(req, res));
}

/** 401 for an anonymous caller the inspector's `authorize` refuses, 403 for a known one. */
function authorizeStep(settings: ResolvedInspectorSettings, authenticate: Authenticate | undefined, realm: string): RequestHandler {
  const { authorize } = settings;
  return async (req, _res, next) => {
    if (!authorize) return next();
    const identity = (await authenticate?.(req)) ?? null;
    if (await authorize(identity, req)) return next();
    if (identity === null) throw new HttpProblem(401, 'The inspector needs an authenticated caller', { 'WWW-Authenticate': bearerChallenge(realm) });
    throw new HttpProblem(403, 'This caller may not use the inspector');
  };
}
