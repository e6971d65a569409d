import { buildUrl, HttpError, readBody, readProblem, resolveHeaders } from './http.js';
import type { ClientOptions, PostOperationSpec, PostRequest } from './types.js';

/**
 * Sends one message to a receive operation. Resolves with the parsed response body
 * (`undefined` for an empty 202); rejects with `HttpError` on a non-2xx answer.
 */
export async function post(
  operation: PostOperationSpec,
  options: ClientOptions,
  request: PostRequest<unknown, unknown, unknown, unknown> = {},
): Promise<unknown> {
  const { body } = request;
  const response = await (options.fetch ?? globalThis.fetch)(
    buildUrl(options.baseUrl, operation.path, request.params, request.query),
    {
      method: operation.method,
      headers: { accept: 'application/json', 'content-type': operation.contentType, ...(await resolveHeaders(options)), ...headerValues(request.headers) },
      body: body === undefined ? undefined : operation.contentType === 'text/plain' ? String(body) : JSON.stringify(body),
      credentials: options.credentials,
      signal: request.signal,
    },
  );
  if (!response.ok) throw new HttpError(response.status, await readProblem(response));
  return readBody(response);
}

/**
 * Typed header values (a declared integer, say) as the strings HTTP carries, undefined ones left
 * out, names lower-cased so they replace the options' headers of the same name.
 */
function headerValues(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null) return {};
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) values[name.toLowerCase()] = String(value);
  return values;
}
