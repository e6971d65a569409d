/**
 * RFC 9457 problem details: every rejected request gets `application/problem+json`.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from './ports.js';

export interface ProblemPointer {
  /** JSON pointer into the request, prefixed by its part: `/params`, `/query`, `/headers`, `/body`. */
  pointer: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: ProblemPointer[];
}

/** An error that becomes a problem+json response with the given status and headers. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    detail?: string,
    readonly headers: Record<string, string> = {},
    readonly errors?: ProblemPointer[],
  ) {
    super(detail ?? STATUS_CODES[status] ?? 'Error');
  }

  toProblem(): Problem {
    const problem: Problem = { type: 'about:blank', title: STATUS_CODES[this.status] ?? 'Error', status: this.status };
    if (this.message !== problem.title) problem.detail = this.message;
    if (this.errors) problem.errors = this.errors;
    return problem;
  }
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.toProblem()));
}

/**
 * Errors from Express's own layers carry a 4xx `status` (http-errors); body-parser's add a
 * `type` such as `entity.too.large`, the router's a URIError for a path it cannot decode.
 */
interface ClientError {
  status: number;
  type?: unknown;
  code?: unknown;
}

function isClientError(error: unknown): error is ClientError {
  const status = (error as ClientError | null)?.status;
  return typeof error === 'object' && typeof status === 'number' && status >= 400 && status < 500;
}

/** zlib's and brotli's error codes, as body-parser passes them on for a body that does not decode. */
const DECODING_ERROR_CODE = /^(Z_|ERR__ERROR_|ERR_BROTLI)/;

function toHttpProblem(error: unknown): HttpProblem | null {
  if (error instanceof HttpProblem) return error;
  if (!isClientError(error)) return null;
  if (error instanceof URIError) {
    return new HttpProblem(400, 'A path parameter is not valid percent-encoding', {}, [{ pointer: '/params', message: 'must be valid percent-encoded UTF-8' }]);
  }
  switch (error.type) {
    case 'entity.too.large':
      return new HttpProblem(413, 'Request body exceeds the size limit');
    case 'entity.parse.failed':
      return new HttpProblem(400, 'Request body is not valid JSON', {}, [{ pointer: '/body', message: 'must be valid JSON' }]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'Unsupported request body encoding');
  }
  if (typeof error.code === 'string' && DECODING_ERROR_CODE.test(error.code)) {
    return new HttpProblem(400, 'Request body does not decode as its Content-Encoding says', {}, [{ pointer: '/headers/content-encoding', message: 'must match the body' }]);
  }
  return new HttpProblem(error.status);
}

/** Turns any error into problem+json; unexpected ones are logged and answered 500 without internals. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem = toHttpProblem(error);
    if (problem) {
      sendProblem(res, problem);
      return;
    }
    logger.error(`unhandled error on ${req.method} ${req.originalUrl}`, { error });
    sendProblem(res, new HttpProblem(500));
  };
}

/** The last handler of an app: 404 problem+json for a path nothing served (`createSseApp` ends with it). */
export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, new HttpProblem(404, `No endpoint at ${req.path}`));
};

export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, res) => {
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', allow);
      res.status(204).end();
      return;
    }
    sendProblem(res, new HttpProblem(405, `${req.method} is not allowed here`, { Allow: allow }));
  };
}

/** `promise`, or a rejection with `problem()` once it has taken longer than `ms`. */
export function withinTime<T>(promise: Promise<T>, ms: number, problem: () => HttpProblem): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const refused = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(problem()), ms).unref();
  });
  return Promise.race([promise, refused]).finally(() => clearTimeout(timer));
}
