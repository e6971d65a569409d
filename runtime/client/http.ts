import type { ClientOptions, Problem } from './types.js';

/** A non-2xx answer, with the server's problem+json body when it sent one. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly problem?: Problem,
  ) {
    super(`HTTP ${status}${problem?.title ? ` ${problem.title}` : ''}${problem?.detail ? `: ${problem.detail}` : ''}`);
  }
}

/** Fills `{name}` placeholders (URI-encoded) and appends the query; arrays repeat their key. */
export function buildUrl(baseUrl: string, path: string, params?: unknown, query?: unknown): string {
  const values = (params ?? {}) as Record<string, unknown>;
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) throw new TypeError(`Missing path parameter "${name}" for ${path}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null) search.append(key, String(item));
    }
  }
  const queryString = search.toString();
  const url = baseUrl.replace(/\/+$/, '') + filled + (queryString ? `?${queryString}` : '');
  try {
    // Only to fail early: outside a page there is no origin for a relative URL to resolve against.
    new URL(url, globalThis.location?.href);
  } catch {
    throw new TypeError(`Cannot request "${url}": set ClientOptions.baseUrl to an absolute URL`);
  }
  return url;
}

export async function resolveHeaders(options: ClientOptions): Promise<Record<string, string>> {
  const { headers } = options;
  // Lower-cased names, so a call's own headers replace these whatever their case.
  return Object.fromEntries(new Headers(typeof headers === 'function' ? await headers() : headers));
}

/** The body as JSON when the response says so, else as text; `undefined` when empty. */
export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  return /[/+]json\b/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
}

export async function readProblem(response: Response): Promise<Problem | undefined> {
  try {
    const body = await readBody(response);
    return typeof body === 'object' && body !== null ? (body as Problem) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Header values are byte strings: `text` as its UTF-8 bytes, one character each. That is how
 * browsers send `Last-Event-ID`; a character above U+00FF would make fetch throw.
 */
export function utf8ByteString(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join('');
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
