/** Answers the requests of the WPT case table (`wpt-cases.ts`) on a test server, per case and transport. */
import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from './sse-server.js';
import { wptCases, type WptAnswer } from './wpt-cases.js';

const CASE_PATH = /^\/wpt\/([^/]+)\/(?:fetch|native)$/;

/**
 * The request header, decoded as UTF-8 (Node reads header bytes as Latin-1). The id also comes as `?lastEventId=`, which the runtime
 * reads like the header: the client reopens a platform EventSource with it.
 */
function echoed(request: RecordedRequest, header: NonNullable<WptAnswer['echo']>): string {
  const fromQuery = header === 'last-event-id' ? new URL(request.url, 'http://test').searchParams.get('lastEventId') : null;
  return fromQuery ?? Buffer.from(String(request.headers[header] ?? ''), 'latin1').toString('utf8');
}

/** Every request to one case path, in order. */
export function requestsTo(requests: RecordedRequest[], path: string): RecordedRequest[] {
  return requests.filter((request) => new URL(request.url, 'http://test').pathname === path);
}

/**
 * Answers a request to `/wpt/<case>/<transport>` with the case's next answer and returns true;
 * returns false for any other path. The n-th request to a path gets the n-th answer (the last repeats).
 */
export function answerWptCase(res: ServerResponse, request: RecordedRequest, requests: RecordedRequest[]): boolean {
  const path = new URL(request.url, 'http://test').pathname;
  const wptCase = wptCases.find(({ id }) => id === CASE_PATH.exec(path)?.[1]);
  if (!wptCase) return false;
  const count = requestsTo(requests, path).length;
  const answer: WptAnswer = wptCase.answers[Math.min(count, wptCase.answers.length) - 1]!;
  res.writeHead(answer.status ?? 200, {
    'content-type': answer.contentType ?? 'text/event-stream',
    'cache-control': 'no-cache',
    ...answer.headers,
  });
  res.end(answer.echo ? `data: ${echoed(request, answer.echo)}\n\n` : (answer.body ?? ''));
  return true;
}
