/** One request over a Node HTTP/2 client session, read as text, for suites that speak HTTP/2. */
import type { ClientHttp2Session, OutgoingHttpHeaders } from 'node:http2';

export interface Exchange {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** Resolves once `done(body)` holds (the stream is then closed) or the response ends. */
export function request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string, done = (_: string) => false): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    if (body !== undefined) stream.end(body);
    let status = 0;
    let received: Record<string, unknown> = {};
    let text = '';
    const finish = () => resolve({ status, headers: received, body: text });
    stream.on('response', (responseHeaders) => {
      status = Number(responseHeaders[':status']);
      received = responseHeaders;
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      if (!done(text)) return;
      stream.close();
      finish();
    });
    stream.on('end', finish);
    stream.on('error', reject);
  });
}
