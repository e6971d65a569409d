/**
 * Messages exchanged over IPC between the orchestrator (`run.ts`), a server process
 * (`servers/*.ts`) and the load client (`client.ts`). Nothing of this travels on the
 * measured port.
 */

/** How a server process publishes: `intervalMs` 0 means back-to-back. */
export interface PublishPlan {
  /** Wait until the server holds this many streams before the first event. */
  expectConnections: number;
  count: number;
  /** Bytes of JSON in each event's `data:` field. */
  size: number;
  intervalMs: number;
  /** Back-to-back only: broadcasts issued in one event-loop turn before yielding. */
  burst: number;
  /** The first this many accepted connections read; back-to-back publishing paces on them. */
  readers: number;
  /** 0: each event is one broadcast to `GET /events`; otherwise one broadcast to each topic `t0`…. */
  topics: number;
}

export type ServerCommand =
  | { type: 'memory' }
  | ({ type: 'publish' } & PublishPlan)
  | { type: 'usage' }
  /** Publishes nothing for `durationMs`, then reports the CPU spent and the event loop's delay meanwhile. */
  | { type: 'idle'; durationMs: number };

export interface MemorySample {
  heapUsed: number;
  rss: number;
}

/** What Redis sent one instance over pub/sub while it published and delivered. */
export interface RedisReceived {
  messages: number;
  bytes: number;
}

export interface CpuSample {
  /** Microseconds. */
  user: number;
  system: number;
}

/** Milliseconds the event loop ran late, sampled every 10 ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export type ServerReport =
  | { type: 'ready'; port: number }
  | ({ type: 'memory' } & MemorySample)
  | { type: 'published'; startedAt: number }
  | { type: 'usage'; cpu: CpuSample; connections: number; fromRedis?: RedisReceived }
  | { type: 'idle'; cpu: CpuSample; loopDelayMs: LoopDelay }
  | { type: 'error'; message: string };

export interface ConnectPlan {
  /** One per server instance: connection i opens on `ports[instanceOf(i)]` (see placement.ts). */
  ports: number[];
  /** 0: `GET /events`; otherwise connection i follows topic `t<i mod topics>`. */
  topics: number;
  connections: number;
  /** The last `paused` connections open after every reading one and stop reading once their headers arrive. */
  paused: number;
  /** Events each reading connection must receive before the client reports done. */
  expectEvents: number;
  /** Latency is sampled on every `sampleStride`-th connection of each port (1: all of them). */
  sampleStride: number;
  /** Source address of every connection (127.0.0.x): each address has its own range of ephemeral ports. */
  localAddress?: string;
  /** Connections waiting for their response headers at once (default 200). */
  concurrency?: number;
}

/**
 * `arm` starts the CPU clock before publishing; `finish` asks for what arrived so far; `count`
 * asks, after `done`, how many events arrived in all and on how many streams the count differs
 * from the expected one (a duplicate arriving late shows there).
 */
export type ClientCommand = ({ type: 'connect' } & ConnectPlan) | { type: 'arm' } | { type: 'finish' } | { type: 'count' };

export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ClientResult {
  /** Events counted on reading connections. */
  deliveries: number;
  /** Reading connections that closed before receiving every event. */
  dropped: number;
  complete: boolean;
  firstAt: number;
  lastAt: number;
  cpu: CpuSample;
  /** Milliseconds, publish to receive. */
  latency: LatencySummary;
}

export type ClientReport =
  | { type: 'ready' }
  | { type: 'connected'; connections: number; failed: number; connectMs: number; failure?: string }
  | ({ type: 'done' } & ClientResult)
  | { type: 'count'; deliveries: number; mismatched: number }
  | { type: 'error'; message: string };
