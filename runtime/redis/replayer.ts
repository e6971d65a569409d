/**
 * Replay on Redis Streams: one stream per (operation, topic), trimmed to about `maxEvents`
 * (XADD MAXLEN ~) and expiring `ttlMs` after its last event, so an idle topic leaves no key.
 * Ids (`<epoch>-<n>`, see `replay.ts`) are assigned once, cluster-wide, by a script; the epoch
 * lives in a key beside the stream and is made afresh whenever Redis no longer has it (the
 * topic expired, Redis restarted without persistence, a flush), so an id of a lost history
 * is never taken for one of the new.
 */
import type { RedisClient } from './broadcaster.js';
import type { Missed, ReplayableEvent, Replayer, ReplayKey, ReplayLimits, StoredEvent } from '../ports.js';
import { missedSince, newEpoch } from '../replay.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * KEYS: topic log, topic state (hash of `epoch` and each sender's last applied publish), both of
 * one slot. ARGV: maxEvents, ttlMs, event ('' for data-only), data, channel ('' publishes
 * nothing), message JSON to publish after `<id>\n`, sender ('' for none), its publish sequence,
 * the epoch to start if the topic has none, the publish command.
 *
 * A sequence at or below the sender's last applied one is a command resent after a reconnect:
 * it was stored already.
 */
const APPEND_SCRIPT = `
if ARGV[7] ~= '' then
  local applied = tonumber(redis.call('HGET', KEYS[2], ARGV[7]) or '0')
  if tonumber(ARGV[8]) <= applied then return '' end
  redis.call('HSET', KEYS[2], ARGV[7], ARGV[8])
end
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[9]
  redis.call('HSET', KEYS[2], 'epoch', epoch)
  redis.call('DEL', KEYS[1])
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq = 1
if #newest > 0 then seq = tonumber(string.match(newest[1][1], '^(%d+)')) + 1 end
local text = string.format('%.0f', seq)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], text .. '-0', 'e', ARGV[3], 'd', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local id = epoch .. '-' .. text
if ARGV[5] ~= '' then redis.call(ARGV[10], ARGV[5], id .. '\\n' .. ARGV[6]) end
return id
`;

type Entry = [id: string, fields: string[]];

/** What `publishReplayable` needs besides the event itself. */
export interface PublishStep {
  channel: string;
  message: string;
  sender: string;
  sequence: number;
}

export class RedisReplayer implements Replayer {
  readonly keys: RedisKeys;
  /**
   * Publishes go to sharded channels on Redis Cluster (Redis 7's SPUBLISH), which keep a message
   * on its topic's shard; a cluster's plain PUBLISH floods every node.
   */
  readonly sharded: boolean;

  constructor(
    private readonly client: RedisClient,
    keyPrefix?: string,
  ) {
    this.keys = redisKeys(keyPrefix);
    this.sharded = client.isCluster;
  }

  append(key: ReplayKey, event: ReplayableEvent, limits: ReplayLimits): Promise<string> {
    return this.store(key, event, limits, null);
  }

  /** Stores the event and, in the same script, publishes it: every instance gets a topic's events in id order. */
  store(key: ReplayKey, event: ReplayableEvent, limits: ReplayLimits, publish: PublishStep | null): Promise<string> {
    // EVAL, not EVALSHA: a script missing from a restarted server would be retried out of
    // order, and the sender's sequence relies on commands applying in the order they were sent.
    return this.client.eval(
      APPEND_SCRIPT,
      2,
      this.keys.log(key),
      this.keys.state(key),
      limits.maxEvents,
      limits.ttlMs,
      event.event ?? '',
      event.data,
      publish?.channel ?? '',
      publish?.message ?? '',
      publish?.sender ?? '',
      publish ? publish.sequence : '',
      newEpoch(),
      this.sharded ? 'SPUBLISH' : 'PUBLISH',
    ) as Promise<string>;
  }

  async since(key: ReplayKey, lastEventId: string): Promise<Missed> {
    const log = this.keys.log(key);
    // Reads from the place after the client's id: a whole log is read only for a client of another history.
    const seq = /-([1-9][0-9]{0,15})$/.exec(lastEventId)?.[1];
    const results = await this.client
      .multi()
      .hget(this.keys.state(key), 'epoch')
      .xrange(log, seq ? `${seq}-1` : '-', '+')
      .xrange(log, '-', '+', 'COUNT', 1)
      .xrevrange(log, '+', '-', 'COUNT', 1)
      .exec();
    const [epoch, after, oldest, newest] = results!.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [string | null, Entry[], Entry[], Entry[]];
    if (epoch === null) return missedSince(lastEventId, null, 0, []);
    const lastSeq = newest.length > 0 ? entrySeq(newest[0]!) : 0;
    const sameEpoch = lastEventId.startsWith(`${epoch}-`);
    const held = sameEpoch
      ? [...oldest.filter((entry) => entrySeq(entry) <= Number(seq)), ...after]
      : seq === undefined
        ? after
        : ((await this.client.xrange(log, '-', '+')) as Entry[]);
    return missedSince(lastEventId, epoch, lastSeq, held.map((entry) => storedEvent(epoch, entry as Entry)));
  }
}

function entrySeq(entry: Entry): number {
  return Number(entry[0].slice(0, entry[0].indexOf('-')));
}

function storedEvent(epoch: string, entry: Entry): StoredEvent {
  const fields = entry[1];
  const event = fields[fields.indexOf('e') + 1] ?? '';
  return { id: `${epoch}-${entrySeq(entry)}`, event: event === '' ? null : event, data: fields[fields.indexOf('d') + 1] ?? '' };
}
