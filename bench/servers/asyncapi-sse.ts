/**
 * The product: the runtime serving the code generated from `bench/bench-asyncapi.yaml`, with
 * its defaults (outgoing validation on, replay buffer from `x-sse-replay`, typed connection
 * manager). `--coalesce-ms N` and `--heartbeat-ms N` set the runtime's `coalesceMs` and
 * `heartbeatMs` options; `--redis-url URL` runs the app on that Redis, as each of several
 * instances sharing it does.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createApp } from '../generated/server.js';
import handlers from '../handlers/index.js';
import { EVENT_NAME, type BenchEvent } from '../payload.js';
import { serveBench } from './harness.js';

const { values } = parseArgs({ options: { 'coalesce-ms': { type: 'string' }, 'heartbeat-ms': { type: 'string' }, 'redis-url': { type: 'string' } } });
const numberOption = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const coalesceMs = numberOption(values['coalesce-ms']);
const heartbeatMs = numberOption(values['heartbeat-ms']);
const redisUrl = values['redis-url'];
const redis = redisUrl === undefined ? undefined : new Redis(redisUrl, { maxRetriesPerRequest: null });
const app = createApp(handlers, { coalesceMs, heartbeatMs, redis });
const streams = app.sse.connections.streamEvents;

function broadcast(event: BenchEvent): void {
  streams.broadcast(EVENT_NAME, event);
}

await serveBench({ server: app.listen(0, '127.0.0.1'), broadcast, connections: () => streams.count() });
