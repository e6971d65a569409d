/**
 * The lower bound: the naive node:http server with asyncapi-sse's batching rule and nothing
 * else. Frames broadcast in one tick leave together at its end; while busy (less than
 * `COALESCE_MS` since the last flush ended) they wait for it, unless `FULL_WRITE_BYTES` are
 * already held. Every stream is sent the same frames, so one concatenation serves them all.
 */
import { performance } from 'node:perf_hooks';
import { EVENT_NAME, type BenchEvent } from '../payload.js';
import { serveBench } from './harness.js';
import { naiveStreams } from './naive-streams.js';

const COALESCE_MS = 2;
const FULL_WRITE_BYTES = 16 * 1024;

const { server, streams } = naiveStreams();
let held: Buffer[] = [];
let heldBytes = 0;
let deadline: NodeJS.Timeout | undefined;
let scheduled = false;
let lastFlushEnded = -Infinity;

function flush(): void {
  deadline = undefined;
  scheduled = false;
  const bytes = held.length === 1 ? held[0]! : Buffer.concat(held);
  held = [];
  heldBytes = 0;
  for (const res of streams) res.write(bytes);
  // Each response hands its bytes to the socket in a nextTick of its own (it corks while writing); the flush ends after them.
  process.nextTick(flushEnded);
}

function flushEnded(): void {
  lastFlushEnded = performance.now();
}

function broadcast(event: BenchEvent): void {
  const frame = Buffer.from(`event: ${EVENT_NAME}\ndata: ${JSON.stringify(event)}\n\n`);
  held.push(frame);
  heldBytes += frame.length;
  if (heldBytes >= FULL_WRITE_BYTES && deadline !== undefined) {
    clearTimeout(deadline);
    deadline = undefined;
    process.nextTick(flush);
    return;
  }
  if (scheduled) return;
  scheduled = true;
  const sinceLastFlush = performance.now() - lastFlushEnded;
  if (sinceLastFlush >= COALESCE_MS) process.nextTick(flush);
  else deadline = setTimeout(flush, Math.ceil(COALESCE_MS - sinceLastFlush));
}

await serveBench({ server, broadcast, connections: () => streams.size });
