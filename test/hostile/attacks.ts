/** What the hostile suite throws at the demo, each over real sockets; every helper resolves once its attack is over. */
import { once } from 'node:events';
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  contentType: string | undefined;
  body: string;
  /** The socket was closed by the server. */
  closed: boolean;
}

/** Sends `request` as is on a fresh socket and reads until the server closes it (or `timeoutMs`). */
export async function rawRequest(port: number, request: string | Buffer, timeoutMs = 15_000): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(request);
  const closed = await Promise.race([once(socket, 'close').then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs))]);
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const contentType = /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1];
  return { status: Number(head.split(' ')[1]), contentType, body, closed };
}

/** Runs `task(i)` for i in 0..count-1, `concurrency` at a time; resolves with every result. */
export async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** A socket sending a request one header line at a time, every `everyMs`, until the server closes it; resolves with how long that took. */
export async function dripHeaders(port: number, everyMs: number, giveUpMs: number): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  const started = Date.now();
  socket.write('GET /prices/stream HTTP/1.1\r\nHost: x\r\n');
  socket.resume();
  let line = 0;
  const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${line++}: a\r\n`), everyMs);
  await Promise.race([once(socket, 'close'), new Promise((resolve) => setTimeout(resolve, giveUpMs))]);
  clearInterval(drip);
  socket.destroy();
  return Date.now() - started;
}
