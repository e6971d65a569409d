/**
 * Replay on Redis Streams: one stream per (operation, topic), trimmed to about `maxEvents`
 * (XADD MAXLEN ~) and expiring `ttlMs` after its last event, so an idle topic leaves no key.
 * Ids (`<epoch>-<n>` and `<epoch>-<n>.<k>`, see `replay.ts`) are assigned once, cluster-wide, by
 * a script, and the entry of `<n>.<k>` is `<n>-<k>`, so the stream's own order is the log's. The epoch
 * lives in a key beside the stream and is made afresh whenever Redis no longer has it (the
 * topic expired, Redis restarted without persistence, a flush), so an id of a lost history
 * is never taken for one of the new.
 */
import type { RedisClient } from './broadcaster.js';
import type { AppendedEvent, AudienceMember, BroadcastAudience, Missed, Replayer, ReplayKey, ReplayLimits } from '../ports.js';
import { comparePositions, missedSince, newEpoch, parseReplayId, replayId, type LoggedEvent } from '../replay.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * KEYS: topic log, topic state (hash of `epoch` and each sender's last applied publish), both of
 * one slot. ARGV: maxEvents, ttlMs, event ('' for data-only), data, channel ('' publishes
 * nothing), message JSON to publish after `<id>\n`, sender ('' for none), its publish sequence,
 * the epoch to start if the topic has none, the publish command, the audience JSON ('' for a
 * broadcast to the whole topic).
 *
 * An addressed event (field `a`, its audience) takes the next rank after the newest entry's; a
 * broadcast to the whole topic takes the next place and notes (field `p`) how many addressed
 * events the place before it holds.
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
local seq, sub = 0, 0
if #newest > 0 then
  local place, rank = string.match(newest[1][1], '^(%d+)-(%d+)$')
  seq, sub = tonumber(place), tonumber(rank)
end
local entry, id
local fields = {'e', ARGV[3], 'd', ARGV[4]}
if ARGV[11] ~= '' then
  sub = sub + 1
  entry = string.format('%.0f-%.0f', seq, sub)
  id = string.format('%s-%.0f.%.0f', epoch, seq, sub)
  table.insert(fields, 'a')
  table.insert(fields, ARGV[11])
else
  seq = seq + 1
  entry = string.format('%.0f-0', seq)
  id = string.format('%s-%.0f', epoch, seq)
  if sub > 0 then
    table.insert(fields, 'p')
    table.insert(fields, string.format('%.0f', sub))
  end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], entry, unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
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
  readonly keepsAudience = true;
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

  append(key: ReplayKey, event: AppendedEvent, limits: ReplayLimits): Promise<string> {
    return this.store(key, event, limits, null);
  }

  /** Stores the event and, in the same script, publishes it: every instance gets a topic's events in id order. */
  store(key: ReplayKey, event: AppendedEvent, limits: ReplayLimits, publish: PublishStep | null): Promise<string> {
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
      event.audience ? JSON.stringify(event.audience) : '',
    ) as Promise<string>;
  }

  async since(key: ReplayKey, lastEventId: string, reader?: AudienceMember): Promise<Missed> {
    const log = this.keys.log(key);
    // Reads from the entry after the client's position: a whole log is read only for a client of another history.
    const position = parseReplayId(lastEventId);
    const results = await this.client
      .multi()
      .hget(this.keys.state(key), 'epoch')
      .xrange(log, position ? `${position.seq}-${position.sub + 1}` : '-', '+')
      .xrange(log, '-', '+', 'COUNT', 1)
      .xrevrange(log, '+', '-', 'COUNT', 1)
      .exec();
    const [epoch, after, oldest, newest] = results!.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [string | null, Entry[], Entry[], Entry[]];
    if (epoch === null) return missedSince(lastEventId, null, { seq: 0, sub: 0 }, []);
    const logged = (entries: Entry[]) => entries.map((entry) => loggedEvent(epoch, entry));
    const last = newest.length > 0 ? loggedEvent(epoch, newest[0]!) : { seq: 0, sub: 0 };
    const held = !position
      ? logged(after)
      : position.epoch === epoch
        ? [...logged(oldest).filter((event) => comparePositions(event, position) <= 0), ...logged(after)]
        : logged((await this.client.xrange(log, '-', '+')) as Entry[]);
    return missedSince(lastEventId, epoch, last, held, reader);
  }
}

/** A stream entry `<n>-<k>` as the event at position (n, k) of history `epoch`. */
function loggedEvent(epoch: string, [entryId, fields]: Entry): LoggedEvent {
  const dash = entryId.indexOf('-');
  const seq = Number(entryId.slice(0, dash));
  const sub = Number(entryId.slice(dash + 1));
  const logged: LoggedEvent = { id: replayId(epoch, seq, sub), seq, sub, event: null, data: '' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    if (fields[i] === 'e') logged.event = value === '' ? null : value;
    else if (fields[i] === 'd') logged.data = value;
    else if (fields[i] === 'a') logged.audience = JSON.parse(value) as BroadcastAudience;
    else if (fields[i] === 'p') logged.addressedBefore = Number(value);
  }
  return logged;
}
