/**
 * The names of every Redis key and channel the runtime uses, under one prefix. The keys of one
 * topic carry the same hash tag (`{operation:topic}`), so a script touching them runs on one
 * Redis Cluster slot.
 */
import type { BroadcastRoute, ReplayKey } from '../ports.js';

export interface RedisKeys {
  /** Stream of one topic's events. */
  log(key: ReplayKey): string;
  /** Hash of one topic's epoch (`epoch`) and the last publish of each instance Redis applied (by instance id). */
  state(key: ReplayKey): string;
  /** Sorted set of one identity's open streams of one operation, scored by lease expiry. */
  streams(operationId: string, identityId: string): string;
  /**
   * Pub/sub channel of one route: a topic's channel shares its keys' hash slot, so the append
   * script can publish to it on Redis Cluster; `null` topics (broadcasts to every stream of the
   * operation) have one channel per operation.
   */
  channel(route: BroadcastRoute): string;
}

export const DEFAULT_KEY_PREFIX = 'sse';

export function redisKeys(prefix = DEFAULT_KEY_PREFIX): RedisKeys {
  // Both parts are URI-encoded (topics by `topicKey`), so no `}` in them can end the hash tag early.
  const tag = ({ operationId, topic }: ReplayKey) => `{${encodeURIComponent(operationId)}:${topic}}`;
  return {
    log: (key) => `${prefix}:${tag(key)}:log`,
    state: (key) => `${prefix}:${tag(key)}:state`,
    streams: (operationId, identityId) => `${prefix}:streams:${operationId}:${encodeURIComponent(identityId)}`,
    channel: ({ operationId, topic }) => (topic === null ? `${prefix}:{${encodeURIComponent(operationId)}}:all` : `${prefix}:${tag({ operationId, topic })}:events`),
  };
}
