/**
 * The product: the runtime serving the code generated from `bench/bench-asyncapi.yaml`, with
 * its defaults (outgoing validation on, replay buffer from `x-sse-replay`, typed connection
 * manager). `--coalesce-ms N` and `--heartbeat-ms N` set the runtime's `coalesceMs` and
 * `heartbeatMs` options; `--redis-url URL` runs the app on that Redis, `--redis-cluster
 * host:port,...` on that Redis Cluster, as each of several
 * instances sharing it does.
 */
import { parseArgs } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { redisServices } from 'asyncapi-sse/runtime';
import { createApp } from '../generated/server.js';
import handlers from '../handlers/index.js';
import { EVENT_NAME, type BenchEvent } from '../payload.js';
import { serveBench } from './harness.js';

const { values } = parseArgs({ options: { 'coalesce-ms': { type: 'string' }, 'heartbeat-ms': { type: 'string' }, 'redis-url': { type: 'string' }, 'redis-cluster': { type: 'string' } } });
const numberOption = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const coalesceMs = numberOption(values['coalesce-ms']);
const heartbeatMs = numberOption(values['heartbeat-ms']);
const clusterNodes = values['redis-cluster']?.split(',');
const redisUrl = values['redis-url'];
const redis = clusterNodes
  ? new Cluster(clusterNodes, { redisOptions: { maxRetriesPerRequest: null } })
  : redisUrl === undefined
    ? undefined
    : new Redis(redisUrl, { maxRetriesPerRequest: null });
// Built here rather than through `options.redis`, to read what Redis sent this instance.
const shared = redis && redisServices(redis);
const app = createApp(handlers, { coalesceMs, heartbeatMs, ...(shared ? { replayer: shared.replayer, broadcaster: shared.broadcaster } : {}) });
const { streamEvents, streamTopic } = app.sse.connections;

await serveBench({
  server: app.listen(0, '127.0.0.1'),
  broadcast: (event: BenchEvent) => streamEvents.broadcast(EVENT_NAME, event),
  broadcastTopic: (event: BenchEvent, topic: string) => streamTopic.broadcast(EVENT_NAME, event, { topic: { topic } }),
  connections: () => streamEvents.count() + streamTopic.count(),
  ...(shared ? { fromRedis: () => ({ messages: shared.broadcaster.messagesReceived, bytes: shared.broadcaster.bytesReceived }) } : {}),
});
