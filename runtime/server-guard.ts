/**
 * What an HTTP server facing the open internet needs beyond Express: requests Node's parser
 * refuses answered as problem+json, and sockets that send their request too slowly closed.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpProblem } from './problem.js';

export interface ServerGuardOptions {
  /** Time from a request's first byte until its headers must be complete; then 408. Default 10 000. */
  headersTimeoutMs?: number;
  /** Time from a request's first byte until its body must be complete (an open stream is not bound by it). Default 30 000. */
  requestTimeoutMs?: number;
  /** How often those two are checked, so a socket may live this long past them. Default 1 000. */
  checkIntervalMs?: number;
}

const DEFAULTS: Required<ServerGuardOptions> = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkIntervalMs: 1_000 };

/** Statuses for Node's parser errors; every other refusal is a 400. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Sets the timeouts and answers what Node refuses to parse (a bare CR in a header, a bad chunk
 * size, both Content-Length and Transfer-Encoding, an unknown method, headers too large or too
 * slow) with a problem+json response, then closes the socket. Call before `listen`: Node reads
 * the check interval when the server starts listening.
 */
export function guardServer<S extends Server>(server: S, options: ServerGuardOptions = {}): S {
  const settings = { ...DEFAULTS, ...options };
  server.headersTimeout = settings.headersTimeoutMs;
  server.requestTimeout = settings.requestTimeoutMs;
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = settings.checkIntervalMs;
  server.on('clientError', answerClientError);
  return server;
}

/** Writes the problem straight to the socket (no response object exists yet), then closes it. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const responding = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || responding?.headersSent) {
    socket.destroy();
    return;
  }
  const code = error.code ?? 'unknown';
  const problem = new HttpProblem(STATUS_BY_CODE[code] ?? 400, `The request is not valid HTTP (${code})`).toProblem();
  const body = JSON.stringify(problem);
  const head = [`HTTP/1.1 ${problem.status} ${problem.title}`, 'Content-Type: application/problem+json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  // The client may keep its side open; the socket goes once the answer has left.
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
