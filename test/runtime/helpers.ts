/** Test fixtures for the runtime: hand-built ServiceSpecs, real servers on 127.0.0.1, raw socket clients. */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Ajv, type AnySchema } from 'ajv';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ReceiveEndpointSpec, ServiceSpec, StreamEndpointSpec, Validator } from '../../runtime/index.js';

const ajv = new Ajv({ coerceTypes: 'array', allErrors: true, strict: false });

/** Compiles a schema the way the generator does (coercing, all errors). */
export function compile(schema: AnySchema): Validator {
  return ajv.compile(schema) as Validator;
}

export function streamEndpoint(overrides: Partial<StreamEndpointSpec> = {}): StreamEndpointSpec {
  return {
    kind: 'stream',
    operationId: 'stream',
    method: 'GET',
    path: '/stream',
    specPath: '/stream',
    paramNames: [],
    security: [],
    events: { tick: { sseEvent: 'tick', contentType: 'application/json' } },
    ...overrides,
  };
}

/** `GET /channels/{channel}/stream`: a stream whose topic is its channel. */
export function channelStreamEndpoint(overrides: Partial<StreamEndpointSpec> = {}): StreamEndpointSpec {
  return streamEndpoint({
    operationId: 'channelStream',
    path: '/channels/:channel/stream',
    specPath: '/channels/{channel}/stream',
    paramNames: ['channel'],
    ...overrides,
  });
}

export function receiveEndpoint(overrides: Partial<ReceiveEndpointSpec> = {}): ReceiveEndpointSpec {
  return {
    kind: 'receive',
    operationId: 'receive',
    method: 'POST',
    path: '/messages',
    specPath: '/messages',
    paramNames: [],
    security: [],
    contentType: 'application/json',
    ...overrides,
  };
}

export function service(...endpoints: ServiceSpec['endpoints']): ServiceSpec {
  return { title: 'Test service', version: '1.0.0', endpoints };
}

export { listen, type Running } from '../listen.js';

export function parseEvents(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}

export async function waitUntil(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A client on a raw TCP socket: sends exactly the request given, keeps every byte received. */
export class RawClient {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    socket.on('close', () => (this.ended = true));
    socket.on('error', () => (this.ended = true));
  }

  static async open(port: number, request: string): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new RawClient(socket);
    socket.write(request);
    return client;
  }

  /** `GET path HTTP/1.0`: the response body is the event stream as written, without chunked framing. */
  static get(port: number, path: string, headers: Record<string, string> = {}, version = '1.0'): Promise<RawClient> {
    const lines = Object.entries({ Host: '127.0.0.1', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
    return RawClient.open(port, `GET ${path} HTTP/${version}\r\n${lines.join('')}\r\n`);
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString('utf8');
  }

  get head(): string {
    const text = this.text;
    const end = text.indexOf('\r\n\r\n');
    return end < 0 ? '' : text.slice(0, end);
  }

  get body(): string {
    const text = this.text;
    const end = text.indexOf('\r\n\r\n');
    return end < 0 ? '' : text.slice(end + 4);
  }

  get status(): number {
    return Number(this.head.split(' ')[1]);
  }

  header(name: string): string | undefined {
    const line = this.head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    return line?.slice(name.length + 1).trim();
  }

  events(): EventSourceMessage[] {
    return parseEvents(this.body);
  }

  waitFor(predicate: (client: RawClient) => boolean, timeoutMs = 5000, what = 'bytes'): Promise<void> {
    return waitUntil(() => predicate(this), timeoutMs, what);
  }

  waitForEnd(timeoutMs = 5000): Promise<void> {
    return this.waitFor((c) => c.ended, timeoutMs, 'end of stream');
  }

  close(): void {
    this.socket.destroy();
  }
}
