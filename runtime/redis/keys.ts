/** The names of every Redis key and channel the runtime uses, under one prefix. */
import type { ReplayKey } from '../ports.js';

export interface RedisKeys {
  /** Stream of one topic's events. */
  log(key: ReplayKey): string;
  /** The highest replay id ever issued, so a topic created again starts past it. */
  readonly highestId: string;
  /** The last publish of one instance that Redis applied. */
  sender(instanceId: string): string;
  /** Sorted set of one identity's open streams of one operation, scored by lease expiry. */
  streams(operationId: string, identityId: string): string;
  /** Pub/sub channel of every broadcast. */
  readonly channel: string;
}

export const DEFAULT_KEY_PREFIX = 'sse';

export function redisKeys(prefix = DEFAULT_KEY_PREFIX): RedisKeys {
  return {
    log: ({ operationId, topic }) => `${prefix}:log:${operationId}:${topic}`,
    highestId: `${prefix}:highest-id`,
    sender: (instanceId) => `${prefix}:sender:${instanceId}`,
    streams: (operationId, identityId) => `${prefix}:streams:${operationId}:${encodeURIComponent(identityId)}`,
    channel: `${prefix}:broadcast`,
  };
}
