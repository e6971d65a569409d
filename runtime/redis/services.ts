/** Everything an app shares through Redis, built from one client: broadcasts, replay and stream limits. */
import { RedisBroadcaster, type RedisClient } from './broadcaster.js';
import { redisKeys } from './keys.js';
import { RedisReplayer } from './replayer.js';
import { RedisStreamSlots } from './stream-slots.js';

export interface RedisSettings {
  /**
   * The ioredis client to use, a `Redis` or a `Cluster` (a second connection is made from it for
   * pub/sub). Create it with `maxRetriesPerRequest: null` (in `redisOptions` for a `Cluster`), so
   * that commands wait through an outage instead of failing.
   */
  client: RedisClient;
  /** Prefix of every key and channel, so several apps can share one Redis. Default `sse`. */
  keyPrefix?: string;
  /** Broadcasts waiting for Redis before `broadcast` throws 503. Default 10 000. */
  maxPendingBroadcasts?: number;
  /** How long a broadcast Redis refused (a cluster failing over) is sent again before it counts as failed. Default 30 000. */
  retryBroadcastsForMs?: number;
}

export interface RedisServices {
  replayer: RedisReplayer;
  broadcaster: RedisBroadcaster;
  slots: RedisStreamSlots;
}

export function redisServices(setting: RedisClient | RedisSettings): RedisServices {
  const settings = isSettings(setting) ? setting : { client: setting };
  const replayer = new RedisReplayer(settings.client, settings.keyPrefix);
  return {
    replayer,
    broadcaster: new RedisBroadcaster(settings.client, replayer, { maxPendingBroadcasts: settings.maxPendingBroadcasts, retryBroadcastsForMs: settings.retryBroadcastsForMs }),
    slots: new RedisStreamSlots(settings.client, redisKeys(settings.keyPrefix)),
  };
}

/** A client has a connection `status`; the settings object does not. */
function isSettings(setting: RedisClient | RedisSettings): setting is RedisSettings {
  return !('status' in setting);
}
