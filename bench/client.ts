/**
 * The load client, run in its own process: opens raw TCP connections to `GET /events`,
 * counts events per connection, samples publish→receive latency on a stride of
 * connections and reports its own CPU. Driven over IPC by the orchestrator.
 */
import { connect, type Socket } from 'node:net';
import { now } from './clock.js';
import { instanceOf, pathOf } from './placement.js';
import type { ClientCommand, ClientReport, ConnectPlan, CpuSample } from './protocol.js';
import { percentile } from './stats.js';
import { TerminatorCounter } from './terminators.js';

/** Connections waiting for their response headers at once; more overflows the listen backlog. */
const CONNECT_CONCURRENCY = 200;
const HEADER_END = Buffer.from('\r\n\r\n');
/**
 * One read buffer shared by every socket (`onread`): no allocation and no stream machinery
 * per read, which keeps the client's CPU per event low. Nothing keeps a reference to it.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const TIMESTAMP = '"t":';

class Stream {
  readonly counter = new TerminatorCounter();
  events = 0;
  private head: Buffer | null = Buffer.alloc(0);
  private text = '';

  constructor(
    readonly socket: Socket,
    readonly reading: boolean,
    readonly sampled: boolean,
  ) {}

  /** Consumes bytes until the response head is complete; returns the body bytes after it, or null. */
  takeHead(chunk: Buffer): Buffer | null {
    const head = Buffer.concat([this.head!, chunk]);
    const end = head.indexOf(HEADER_END);
    if (end === -1) {
      this.head = head;
      return null;
    }
    const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
    if (!/^HTTP\/1\.[01] 200 /.test(status)) throw new Error(`unexpected response: ${status}`);
    this.head = null;
    return head.subarray(end + HEADER_END.length);
  }

  get headersDone(): boolean {
    return this.head === null;
  }

  /** Publish timestamps of the events completed in this chunk. */
  *timestamps(chunk: Buffer): Generator<number> {
    this.text += chunk.toString('latin1');
    let from = 0;
    for (;;) {
      const at = this.text.indexOf(TIMESTAMP, from);
      const end = at === -1 ? -1 : this.text.indexOf(',', at);
      if (end === -1) break;
      yield Number(this.text.slice(at + TIMESTAMP.length, end));
      from = end;
    }
    this.text = this.text.slice(from);
  }
}

class LoadClient {
  private readonly streams: Stream[] = [];
  private readonly latencies: number[] = [];
  private connected = 0;
  private failed = 0;
  private complete = 0;
  private dropped = 0;
  private deliveries = 0;
  private firstAt = Number.NaN;
  private lastAt = Number.NaN;
  private cpuStart: NodeJS.CpuUsage | null = null;
  private finished = false;
  private connectStart = 0;
  private failure: string | undefined;

  constructor(
    private readonly plan: ConnectPlan,
    private readonly report: (report: ClientReport) => void,
  ) {}

  private get concurrency(): number {
    return this.plan.concurrency ?? CONNECT_CONCURRENCY;
  }

  private get readers(): number {
    return this.plan.connections - this.plan.paused;
  }

  start(): void {
    this.connectStart = now();
    for (let i = 0; i < Math.min(this.concurrency, this.plan.connections); i++) this.openNext();
  }

  arm(): void {
    this.cpuStart = process.cpuUsage();
    this.checkDone();
  }

  /** Paused connections wait until every reader is connected, so the server accepts readers first. */
  private openNext(): void {
    const index = this.streams.length;
    if (index >= this.plan.connections) return;
    if (index >= this.readers && this.connected + this.failed < this.readers) return;
    const { ports, sampleStride } = this.plan;
    const placement = { instances: ports.length, topics: this.plan.topics };
    const port = ports[instanceOf(index, placement)]!;
    const socket = connect({
      host: '127.0.0.1',
      port,
      ...(this.plan.localAddress ? { localAddress: this.plan.localAddress } : {}),
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes) => {
          this.onData(stream, READ_BUFFER.subarray(0, bytes));
          return true;
        },
      },
    });
    const stream = new Stream(socket, index < this.readers, Math.floor(index / ports.length) % sampleStride === 0);
    this.streams.push(stream);
    socket.write(`GET ${pathOf(index, placement)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    socket.on('error', (error) => {
      this.failure ??= error.message;
    });
    socket.on('close', () => this.onClose(stream));
  }

  private onData(stream: Stream, chunk: Buffer): void {
    if (!stream.headersDone) {
      let body: Buffer | null;
      try {
        body = stream.takeHead(chunk);
      } catch (error) {
        this.failure = (error as Error).message;
        stream.socket.destroy();
        return;
      }
      if (body === null) return;
      this.onConnected(stream);
      if (!stream.reading) return;
      chunk = body;
    }
    const events = stream.counter.feed(chunk);
    if (stream.sampled) {
      const at = now();
      for (const t of stream.timestamps(chunk)) this.latencies.push(at - t);
    }
    if (events === 0) return;
    const at = now();
    if (Number.isNaN(this.firstAt)) this.firstAt = at;
    this.lastAt = at;
    this.deliveries += events;
    const before = stream.events;
    stream.events += events;
    if (before < this.plan.expectEvents && stream.events >= this.plan.expectEvents) {
      this.complete++;
      this.checkDone();
    }
  }

  private onConnected(stream: Stream): void {
    if (!stream.reading) stream.socket.pause();
    this.connected++;
    this.afterConnectAttempt();
  }

  private onClose(stream: Stream): void {
    if (!stream.headersDone) {
      this.failed++;
      this.afterConnectAttempt();
      return;
    }
    if (stream.reading && stream.events < this.plan.expectEvents) {
      this.dropped++;
      this.checkDone();
    }
  }

  private afterConnectAttempt(): void {
    const settled = this.connected + this.failed;
    const opening = settled === this.readers ? this.concurrency : 1;
    for (let i = 0; i < opening; i++) this.openNext();
    if (this.connected + this.failed === this.plan.connections) {
      this.report({
        type: 'connected',
        connections: this.connected,
        failed: this.failed,
        connectMs: now() - this.connectStart,
        ...(this.failure ? { failure: this.failure } : {}),
      });
    }
  }

  private checkDone(): void {
    if (this.finished || !this.cpuStart) return;
    if (this.complete + this.dropped + this.failed < this.readers) return;
    this.finish();
  }

  count(): void {
    const mismatched = this.streams.filter((stream) => stream.reading && stream.events !== this.plan.expectEvents).length;
    this.report({ type: 'count', deliveries: this.deliveries, mismatched });
  }

  /** Reports what arrived so far; also called when the orchestrator gives up waiting. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const usage = process.cpuUsage(this.cpuStart ?? undefined);
    const cpu: CpuSample = { user: usage.user, system: usage.system };
    const sorted = Float64Array.from(this.latencies).sort();
    this.report({
      type: 'done',
      deliveries: this.deliveries,
      dropped: this.dropped,
      complete: this.complete === this.readers,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      cpu,
      latency: {
        samples: sorted.length,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: percentile(sorted, 100),
      },
    });
  }
}

let client: LoadClient | null = null;
const send = (report: ClientReport) => process.send?.(report);

process.on('message', (command: ClientCommand) => {
  try {
    if (command.type === 'connect') {
      client = new LoadClient(command, send);
      client.start();
    } else if (command.type === 'arm') {
      client?.arm();
    } else if (command.type === 'count') {
      client?.count();
    } else {
      client?.finish();
    }
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
