/**
 * The part every benchmarked server shares: it reports its port, takes commands from the
 * orchestrator over IPC, publishes events through the server under test and reports its
 * own CPU and memory. Only `broadcast` differs between servers.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { now } from '../clock.js';
import { topicName } from '../placement.js';
import { makeEvent, type BenchEvent } from '../payload.js';
import type { PublishPlan, RedisReceived, ServerCommand, ServerReport } from '../protocol.js';

export interface BenchTarget {
  /** The server under test, told to listen on 127.0.0.1 port 0. */
  server: Server;
  /** Sends one event to every open `GET /events` stream. */
  broadcast(event: BenchEvent): void;
  /** Sends one event to the streams of one topic (`GET /topics/{topic}`); servers without topics leave it out. */
  broadcastTopic?(event: BenchEvent, topic: string): void;
  /** Pub/sub messages and bytes Redis sent this instance so far; unset without Redis. */
  fromRedis?(): RedisReceived;
  /** Streams the server currently holds open. */
  connections(): number;
}

const CONNECTION_WAIT_MS = 30_000;

export async function serveBench(target: BenchTarget): Promise<void> {
  const accepted = acceptedSockets(target.server);
  const port = await listeningPort(target.server);
  let cpuStart = process.cpuUsage();
  let redisStart: RedisReceived | undefined = target.fromRedis?.();

  const send = (report: ServerReport) => process.send?.(report);
  const handle = async (command: ServerCommand) => {
    switch (command.type) {
      case 'memory': {
        collectGarbage();
        const { heapUsed, rss } = process.memoryUsage();
        send({ type: 'memory', heapUsed, rss });
        return;
      }
      case 'publish': {
        await waitForConnections(target, command.expectConnections);
        cpuStart = process.cpuUsage();
        redisStart = target.fromRedis?.();
        const startedAt = now();
        await publish(target, command, accepted.slice(0, command.readers));
        send({ type: 'published', startedAt });
        return;
      }
      case 'idle': {
        const delay = monitorEventLoopDelay({ resolution: 10 });
        const cpuBefore = process.cpuUsage();
        delay.enable();
        await sleep(command.durationMs);
        delay.disable();
        const cpu = process.cpuUsage(cpuBefore);
        const ms = (ns: number) => ns / 1e6;
        send({
          type: 'idle',
          cpu: { user: cpu.user, system: cpu.system },
          loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        });
        return;
      }
      case 'usage': {
        const cpu = process.cpuUsage(cpuStart);
        const redisNow = target.fromRedis?.();
        const fromRedis = redisNow && redisStart ? { messages: redisNow.messages - redisStart.messages, bytes: redisNow.bytes - redisStart.bytes } : undefined;
        send({ type: 'usage', cpu: { user: cpu.user, system: cpu.system }, connections: target.connections(), ...(fromRedis ? { fromRedis } : {}) });
        return;
      }
    }
  };

  let queue = Promise.resolve();
  process.on('message', (command: ServerCommand) => {
    queue = queue.then(() => handle(command)).catch((error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port });
}

/**
 * Back-to-back publishing paces itself on the reading connections (the load client connects
 * them before any paused one, so they are the first accepted): while one of their sockets is
 * past its high-water mark, the publisher waits for it to drain. No reader falls behind, so
 * memory reflects the server rather than a backlog, and a server that caps what it queues per
 * connection is not pushed past its cap by a client that merely reads in a different order.
 */
async function publish(target: BenchTarget, plan: PublishPlan, readers: Socket[]): Promise<void> {
  const send = eventSender(target, plan.topics);
  if (plan.intervalMs > 0) {
    const start = now();
    for (let seq = 0; seq < plan.count; seq++) {
      await sleep(Math.max(0, start + seq * plan.intervalMs - now()));
      send(makeEvent(seq, plan.size));
    }
    return;
  }
  for (let seq = 0; seq < plan.count; ) {
    for (let i = 0; i < plan.burst && seq < plan.count; i++, seq++) {
      send(makeEvent(seq, plan.size));
    }
    await nextTurn();
    for (let full = findFull(readers); full; full = findFull(readers)) await drained(full);
  }
}

/** One event to `GET /events`, or to each of `topics` topics, so that every connection gets it once. */
function eventSender(target: BenchTarget, topics: number): (event: BenchEvent) => void {
  if (topics === 0) return (event) => target.broadcast(event);
  const { broadcastTopic } = target;
  if (!broadcastTopic) throw new Error('this server has no topic streams');
  const names = Array.from({ length: topics }, (_, index) => topicName(index));
  return (event) => {
    for (const topic of names) broadcastTopic(event, topic);
  };
}

/** Every socket the server accepts, in order; closed ones stay (they never need draining). */
function acceptedSockets(server: Server): Socket[] {
  const accepted: Socket[] = [];
  server.on('connection', (socket: Socket) => void accepted.push(socket));
  return accepted;
}

function findFull(sockets: Socket[]): Socket | undefined {
  return sockets.find((socket) => socket.writableNeedDrain && !socket.destroyed);
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done).off('close', done);
      resolve();
    };
    socket.on('drain', done).on('close', done);
  });
}

async function waitForConnections(target: BenchTarget, expected: number): Promise<void> {
  const deadline = now() + CONNECTION_WAIT_MS;
  while (target.connections() < expected) {
    if (now() > deadline) {
      throw new Error(`server holds ${target.connections()} of ${expected} expected streams`);
    }
    await sleep(5);
  }
}

async function listeningPort(server: Server): Promise<number> {
  if (!server.listening) await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('server is not listening on a TCP port');
  return address.port;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the server with --expose-gc to measure memory');
  gc();
  gc();
}
