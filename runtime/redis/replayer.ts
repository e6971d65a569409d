/**
 * Replay on Redis Streams: one stream per (operation, topic), trimmed to about `maxEvents`
 * (XADD MAXLEN ~) and expiring `ttlMs` after its last event, so an idle topic leaves no key.
 * Ids (`<epoch>-<n>`, see `replay.ts`) are assigned once, cluster-wide, by a script; the epoch
 * lives in a key beside the stream and is made afresh whenever Redis no longer has it (the
 * topic expired, Redis restarted without persistence, a flush), so an id of a lost history
 * is never taken for one of the new.
 *
 * The epoch also changes when another Redis process writes the topic than the one that began
 * its epoch (a replica promoted, a restart from disk): what that process holds may lack the
 * last events clients saw, so they may not be numbered again. The held events stay: numbering
 * goes on from the place after them under the new epoch, and a client of the earlier epoch is
 * sent what is held after its id, then `sse-reset`, then the new epoch's events.
 */
import type { RedisClient } from './broadcaster.js';
import type { Missed, ReplayableEvent, Replayer, ReplayKey, ReplayLimits, StoredEvent } from '../ports.js';
import { missedSince, newEpoch } from '../replay.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * KEYS: topic log, topic state, both of one slot. The state is a hash of `epoch`, its `writer`
 * (the run id of the Redis process that began it), the `previous` epoch and the place `from`
 * which the current one numbers when it continues another, and each sender's last applied
 * publish. ARGV: maxEvents, ttlMs, event ('' for data-only), data, channel ('' publishes
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
-- INFO is the one place a script learns which process runs it (about 12 µs, half this script's cost).
local writer = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
local state = redis.call('HMGET', KEYS[2], 'epoch', 'writer')
local epoch = state[1]
if not epoch then
  redis.call('DEL', KEYS[1])
  redis.call('HDEL', KEYS[2], 'previous', 'from')
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq = 1
if #newest > 0 then seq = tonumber(string.match(newest[1][1], '^(%d+)')) + 1 end
if not epoch then
  epoch = ARGV[9]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'writer', writer)
elseif state[2] ~= writer then
  redis.call('HSET', KEYS[2], 'previous', epoch, 'from', seq, 'epoch', ARGV[9], 'writer', writer)
  epoch = ARGV[9]
end
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
      .hmget(this.keys.state(key), 'epoch', 'writer', 'previous', 'from')
      .info('server')
      .xrange(log, seq ? `${seq}-1` : '-', '+')
      .xrange(log, '-', '+', 'COUNT', 1)
      .xrevrange(log, '+', '-', 'COUNT', 1)
      .exec();
    const [state, info, after, oldest, newest] = results!.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [Array<string | null>, string, Entry[], Entry[], Entry[]];
    const [epoch, writer] = state;
    if (!epoch) return missedSince(lastEventId, null, 0, []);
    const lastSeq = newest.length > 0 ? entrySeq(newest[0]!) : 0;
    // Another process writes the topic now, and its next event begins a new epoch from the place after the last.
    const history = info.includes(`\nrun_id:${writer}\r\n`)
      ? { epoch, from: Number(state[3] ?? 1), previous: state[2] }
      : { epoch: null, from: lastSeq + 1, previous: epoch };
    const inEpoch = (entry: Entry) => entrySeq(entry) >= history.from;
    const eventsOf = (epoch: string | null, entries: Entry[]) => (epoch === null ? [] : entries.map((entry) => storedEvent(epoch, entry)));
    // Every event of the current epoch, for a client of another history.
    const wholeEpoch = async () =>
      history.epoch === null ? [] : seq === undefined || Number(seq) < history.from ? after : ((await this.client.xrange(log, `${history.from}-0`, '+')) as Entry[]);
    if (history.previous && lastEventId.startsWith(`${history.previous}-`)) {
      const rest = after.filter((entry) => !inEpoch(entry));
      return { before: eventsOf(history.previous, rest), reset: true, events: eventsOf(history.epoch, (await wholeEpoch()).filter(inEpoch)) };
    }
    if (history.epoch === null) return missedSince(lastEventId, null, 0, []);
    const held = lastEventId.startsWith(`${history.epoch}-`) ? [...oldest.filter((entry) => entrySeq(entry) <= Number(seq)), ...after] : await wholeEpoch();
    return missedSince(lastEventId, history.epoch, lastSeq, eventsOf(history.epoch, held.filter(inEpoch)));
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
