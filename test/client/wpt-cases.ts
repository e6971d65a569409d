/**
 * Our port of the web-platform-tests `eventsource/` format, reconnect and status cases, as data
 * plus one runner, so that the same table runs in Node and in Chromium (no Node imports here).
 * Each case names the WPT file whose behaviour it checks; the scripts are our own.
 */
import { subscribe, type ClientOptions, type StreamOperationSpec } from '../../runtime/client/index.js';

/** One answer of the test server; the last one of a case answers every later request. */
export interface WptAnswer {
  /** 200 unless given. */
  status?: number;
  /** `text/event-stream` unless given. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Written as UTF-8, then the response ends (as the WPT server scripts do). */
  body?: string;
  /** Answers `data: <that request header>` instead of `body`: what the client sent. */
  echo?: 'last-event-id' | 'accept' | 'cache-control';
}

export interface ObservedEvent {
  event: string;
  data: string;
  /** The subscription's last event id when the event arrived ('' for none), as `MessageEvent.lastEventId`. */
  lastEventId: string;
}

export interface Observation {
  events: ObservedEvent[];
  /** Status types in order; `closed:<reason>` for the end. */
  statuses: string[];
}

export interface WptCase {
  /** URL-safe, unique. */
  id: string;
  /** The WPT file this case ports. */
  wpt: string;
  answers: WptAnswer[];
  /** The runner stops after this many events, or when the subscription closes. */
  until: number;
  expected: { events: ObservedEvent[]; statuses?: string[] };
  /** The server's `retry:` the client must wait between the first two requests, in ms. */
  reconnectsAfterMs?: number;
  /** Reconnect options of the subscription; the client's defaults unless given. */
  reconnect?: ClientOptions['reconnect'];
  /**
   * What the platform EventSource transport observes instead, where it must differ: the platform
   * hides a block without data, so a client that reopens it itself knows only the ids events carried.
   */
  overNative?: { events: ObservedEvent[]; statuses?: string[] };
}

export type Transport = 'fetch' | 'native';

const message = (data: string, lastEventId = ''): ObservedEvent => ({ event: 'message', data, lastEventId });
const LONG_COMMENT = 'x'.repeat(2048);

const statusCases = [205, 210, 299, 404, 410].map(
  (status): WptCase => ({
    id: `status-${status}`,
    wpt: 'request-status-error.htm',
    answers: [{ status, body: status === 205 ? '' : 'data: data\n\n' }],
    until: 1,
    expected: { events: [], statuses: ['error', 'closed:error'] },
  }),
);

const redirectCases = [301, 302, 303, 307].map(
  (status): WptCase => ({
    id: `redirect-${status}`,
    wpt: 'request-redirect.htm',
    answers: [{ status, headers: { location: '?redirected' } }, { body: 'data: data\n\n' }],
    until: 1,
    expected: { events: [message('data')], statuses: ['open'] },
  }),
);

export const wptCases: WptCase[] = [
  {
    id: 'bom',
    wpt: 'format-bom.js',
    answers: [{ body: '\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n' }],
    until: 2,
    expected: { events: [message('1'), message('3')] },
  },
  {
    id: 'bom-twice',
    wpt: 'format-bom-2.any.js',
    answers: [{ body: '\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n' }],
    until: 2,
    expected: { events: [message('2'), message('3')] },
  },
  {
    id: 'comments',
    wpt: 'format-comments.js',
    answers: [{ body: `data:1\r:\0\n:\r\ndata:2\n:${LONG_COMMENT}\rdata:3\n:data:fail\r:${LONG_COMMENT}\ndata:4\n\n` }],
    until: 1,
    expected: { events: [message('1\n2\n3\n4')] },
  },
  {
    id: 'data',
    wpt: 'format-field-data.js',
    answers: [{ body: 'data:\n\ndata\ndata\n\ndata:test\n\n' }],
    until: 3,
    expected: { events: [message(''), message('\n'), message('test')] },
  },
  {
    id: 'event',
    wpt: 'format-field-event.htm',
    answers: [{ body: 'event:test\ndata:x\n\ndata:x\n\n' }],
    until: 2,
    expected: { events: [{ event: 'test', data: 'x', lastEventId: '' }, message('x')] },
  },
  {
    id: 'event-empty',
    wpt: 'format-field-event-empty.htm',
    answers: [{ body: 'event: \ndata:data\n\n' }],
    until: 1,
    expected: { events: [message('data')] },
  },
  {
    id: 'null-character',
    wpt: 'format-null-character.html',
    answers: [{ body: 'data:\0\n\n' }],
    until: 1,
    expected: { events: [message('\0')] },
  },
  {
    id: 'utf-8',
    wpt: 'format-utf-8.any.js',
    answers: [{ contentType: 'text/event-stream;charset=windows-1252', body: 'data:ok…\n\n' }],
    until: 1,
    expected: { events: [message('ok…')] },
  },
  {
    id: 'unterminated-block',
    wpt: 'format-data-before-final-empty-line.js',
    answers: [{ body: 'retry:1000\ndata:test1\n\nid:test\ndata:test2\n' }],
    until: 2,
    expected: { events: [message('test1'), message('test1')] },
  },
  {
    id: 'id-non-ascii',
    wpt: 'format-field-id.htm, format-field-id-2.any.js',
    answers: [{ body: 'id: …\nretry: 200\ndata: hello\n\n' }, { echo: 'last-event-id' }],
    until: 3,
    expected: { events: [message('hello', '…'), message('…', '…'), message('…', '…')] },
  },
  {
    id: 'id-persists',
    wpt: 'format-field-id-3.htm (persists)',
    answers: [{ body: 'id: 1\ndata: 1\n\ndata:2\n\n' }],
    until: 2,
    expected: { events: [message('1', '1'), message('2', '1')] },
  },
  {
    id: 'id-changes-and-persists',
    wpt: 'format-field-id-3.htm (changes and persists)',
    answers: [{ body: 'id: 1\ndata: 1\n\nid: 2\ndata:2\n\ndata:3\n\n' }],
    until: 3,
    expected: { events: [message('1', '1'), message('2', '2'), message('3', '2')] },
  },
  {
    id: 'id-resets',
    wpt: 'format-field-id-3.htm (resets)',
    answers: [{ body: 'id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n' }],
    until: 3,
    expected: { events: [message('1', '1'), message('2'), message('3')] },
  },
  {
    id: 'id-only-block',
    wpt: 'format-field-id-2.any.js (id-only block updates lastEventId)',
    answers: [{ body: 'retry: 600\nid: 1\ndata: a\n\nid: 2\n\n' }, { echo: 'last-event-id' }],
    until: 2,
    expected: { events: [message('a', '1'), message('2', '2')] },
  },
  {
    id: 'id-only-block-whatwg-delays',
    wpt: 'format-field-id-2.any.js (id-only block updates lastEventId, retry: 2)',
    answers: [{ body: 'retry: 2\nid: 1\ndata: a\n\n' }, { body: 'id: 2\n\n' }, { echo: 'last-event-id' }],
    reconnect: { minDelayMs: 0 },
    until: 2,
    expected: { events: [message('a', '1'), message('2', '2')] },
  },
  {
    id: 'id-only-reset-whatwg-delays',
    wpt: 'format-field-id-3.htm (resets, in a block of its own, retry: 2)',
    answers: [{ body: 'retry: 2\nid: 1\ndata: a\n\n' }, { body: 'id:\n\n' }, { echo: 'last-event-id' }],
    reconnect: { minDelayMs: 0 },
    until: 2,
    expected: { events: [message('a', '1'), message('')] },
  },
  {
    id: 'id-only-block-floor',
    wpt: 'format-field-id-2.any.js (id-only block updates lastEventId, retry: 2 under the floor)',
    answers: [{ body: 'retry: 2\nid: 1\ndata: a\n\n' }, { body: 'id: 2\n\n' }, { echo: 'last-event-id' }],
    until: 2,
    expected: { events: [message('a', '1'), message('2', '2')] },
    // The platform reconnected too soon once, so the client takes the waits over and reopens it itself (README).
    overNative: { events: [message('a', '1'), message('1', '1')] },
  },
  {
    id: 'id-only-block-then-503',
    wpt: 'format-field-id-2.any.js (id-only block, then a 503 the client retries)',
    answers: [{ body: 'retry: 600\nid: 1\ndata: a\n\nid: 2\n\n' }, { status: 503 }, { echo: 'last-event-id' }],
    until: 2,
    expected: { events: [message('a', '1'), message('2', '2')] },
    // The platform gave up at the 503, so the client reopens it itself (README).
    overNative: { events: [message('a', '1'), message('1', '1')] },
  },
  {
    // The HTML Standard ignores an id containing U+0000; the WPT file predates that rule (README).
    id: 'id-null',
    wpt: 'format-field-id-null.htm',
    answers: [{ body: 'id: 1\ndata: a\n\nid: \0\0\nretry: 200\ndata: hello\n\n' }, { echo: 'last-event-id' }],
    until: 3,
    expected: { events: [message('a', '1'), message('hello', '1'), message('1', '1')] },
  },
  {
    id: 'retry',
    wpt: 'format-field-retry.htm',
    answers: [{ body: 'retry:02000\ndata:x\n\n' }],
    until: 2,
    expected: { events: [message('x'), message('x')], statuses: ['open', 'reconnecting', 'open'] },
    reconnectsAfterMs: 2000,
  },
  {
    id: 'retry-bogus',
    wpt: 'format-field-retry-bogus.htm',
    answers: [{ body: 'retry:2000\nretry:1000x\ndata:x\n\n' }],
    until: 2,
    expected: { events: [message('x'), message('x')], statuses: ['open', 'reconnecting', 'open'] },
    reconnectsAfterMs: 2000,
  },
  {
    id: 'mime-bogus',
    wpt: 'format-mime-valid-bogus.htm',
    answers: [{ contentType: 'text/x-bogus', body: 'data: data\n\n' }],
    until: 1,
    expected: { events: [], statuses: ['error', 'closed:error'] },
  },
  {
    id: 'mime-suffixed',
    wpt: 'format-mime-valid-bogus.htm (text/event-stream-x)',
    answers: [{ contentType: 'text/event-stream-x', body: 'data: data\n\n' }],
    until: 1,
    expected: { events: [], statuses: ['error', 'closed:error'] },
  },
  {
    id: 'accept',
    wpt: 'request-accept.htm',
    answers: [{ echo: 'accept' }],
    until: 1,
    expected: { events: [message('text/event-stream')] },
  },
  {
    id: 'cache-control',
    wpt: 'request-cache-control.any.js',
    answers: [{ echo: 'cache-control' }],
    until: 1,
    expected: { events: [message('no-cache')] },
  },
  {
    id: 'status-204',
    wpt: 'request-status-error.htm',
    answers: [{ status: 204 }],
    until: 1,
    expected: { events: [], statuses: ['closed:server'] },
  },
  ...statusCases,
  {
    id: 'status-503-whatwg',
    wpt: 'request-status-error.htm (503, with retryErrorStatuses: false)',
    // Twice, as below: a refused platform EventSource is asked again over fetch.
    answers: [{ status: 503 }, { status: 503 }, { body: 'data: data\n\n' }],
    reconnect: { retryErrorStatuses: false },
    until: 1,
    expected: { events: [], statuses: ['error', 'closed:error'] },
  },
  {
    // WPT expects a 503 to fail the connection; this client retries it (README). Twice, so that a
    // refused platform EventSource, asked again over fetch, meets one too.
    id: 'status-503',
    wpt: 'request-status-error.htm',
    answers: [{ status: 503 }, { status: 503 }, { body: 'data: data\n\n' }],
    until: 1,
    expected: { events: [message('data')] },
  },
  ...redirectCases,
  {
    id: 'reconnect',
    wpt: 'eventsource-reconnect.js (200)',
    answers: [{ body: 'retry: 2\n' }, { body: 'data: data\n\n' }],
    until: 1,
    expected: { events: [message('data')], statuses: ['open', 'reconnecting', 'open'] },
  },
  {
    id: 'reconnect-events',
    wpt: 'eventsource-reconnect.js (reconnection events)',
    answers: [{ body: 'retry: 2\ndata: ok\n\n' }, { body: 'data: data\n\n' }],
    until: 2,
    expected: { events: [message('ok'), message('data')], statuses: ['open', 'reconnecting', 'open'] },
  },
  {
    id: 'reconnect-then-204',
    wpt: 'eventsource-close.js (reconnect-fail)',
    answers: [{ body: 'retry: 2\ndata: opened\n\n' }, { body: 'data: reconnected\n\n' }, { status: 204 }],
    until: 3,
    expected: {
      events: [message('opened'), message('reconnected')],
      statuses: ['open', 'reconnecting', 'open', 'reconnecting', 'closed:server'],
    },
  },
];

const operation: StreamOperationSpec = {
  operationId: 'wpt',
  method: 'GET',
  path: '/wpt',
  events: {
    message: { key: 'message', contentType: 'text/plain' },
    test: { key: 'test', contentType: 'text/plain' },
  },
  secured: false,
};

/** The path each case and transport is served on. */
export const casePath = (wptCase: WptCase, transport: Transport) => `/wpt/${wptCase.id}/${transport}`;

/** Subscribes to the case's path over `transport` and reports what arrived, within `timeoutMs`. */
export function observe(wptCase: WptCase, baseUrl: string, transport: Transport, timeoutMs = 8000): Promise<Observation> {
  // A custom fetch keeps a subscription off the platform EventSource.
  const options: ClientOptions = transport === 'fetch' ? { baseUrl, fetch: (input, init) => globalThis.fetch(input, init) } : { baseUrl };
  if (wptCase.reconnect) options.reconnect = wptCase.reconnect;
  const subscription = subscribe<{ message: string; test: string }>({ ...operation, path: casePath(wptCase, transport) }, options);
  const observation: Observation = { events: [], statuses: [] };
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      subscription.close();
      resolve(observation);
    };
    const timer = setTimeout(stop, timeoutMs);
    for (const event of ['message', 'test'] as const) {
      subscription.on(event, (data) => {
        observation.events.push({ event, data, lastEventId: subscription.lastEventId ?? '' });
        if (observation.events.length === wptCase.until) stop();
      });
    }
    subscription.onStatus((status) => {
      if (status.type !== 'closed') observation.statuses.push(status.type);
      else if (status.reason !== 'client') {
        observation.statuses.push(`closed:${status.reason}`);
        stop();
      }
    });
  });
}
