/**
 * Replay on Redis Streams: one stream per (operation, topic), trimmed to about `maxEvents`
 * (XADD MAXLEN ~) and expiring `ttlMs` after its last event, so an idle topic leaves no key.
 * Ids (`<epoch>-<n>` and `<epoch>-<n>.<k>`, see `replay.ts`) are assigned once, cluster-wide, by
 * a script, and the entry of `<n>.<k>` is `<n>-<k>`, so the stream's own order is the log's. The epoch
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
import type { AppendedEvent, AudienceMember, BroadcastAudience, Missed, Replayer, ReplayKey, ReplayLimits } from '../ports.js';
import { comparePositions, LOG_START, missedSince, newEpoch, parseReplayId, readableBy, replayId, type LoggedEvent, type LogPosition } from '../replay.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * KEYS: topic log, topic state, both of one slot. The state is a hash of `epoch`, its `writer`
 * (the run id of the Redis process that began it), the `previous` epoch and the entry `from`
 * (`<n>-<k>`) the current one begins at when it continues another, and each sender's last
 * applied publish. ARGV: maxEvents, ttlMs, event ('' for data-only), data, channel ('' publishes
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
-- INFO is the one place a script learns which process runs it (about 12 µs, half this script's cost).
local writer = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
local state = redis.call('HMGET', KEYS[2], 'epoch', 'writer')
local epoch = state[1]
if not epoch then
  redis.call('DEL', KEYS[1])
  redis.call('HDEL', KEYS[2], 'previous', 'from')
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq, sub = 0, 0
if #newest > 0 then
  local place, rank = string.match(newest[1][1], '^(%d+)-(%d+)$')
  seq, sub = tonumber(place), tonumber(rank)
end
local fields = {'e', ARGV[3], 'd', ARGV[4]}
if ARGV[11] ~= '' then
  sub = sub + 1
  table.insert(fields, 'a')
  table.insert(fields, ARGV[11])
else
  seq = seq + 1
  if sub > 0 then
    table.insert(fields, 'p')
    table.insert(fields, string.format('%.0f', sub))
  end
  sub = 0
end
local entry = string.format('%.0f-%.0f', seq, sub)
if not epoch then
  epoch = ARGV[9]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'writer', writer)
elseif state[2] ~= writer then
  redis.call('HSET', KEYS[2], 'previous', epoch, 'from', entry, 'epoch', ARGV[9], 'writer', writer)
  epoch = ARGV[9]
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], entry, unpack(fields))
local id = epoch .. '-' .. string.format('%.0f', seq)
if sub > 0 then id = id .. '.' .. string.format('%.0f', sub) end
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
      .hmget(this.keys.state(key), 'epoch', 'writer', 'previous', 'from')
      .info('server')
      .xrange(log, position ? `${position.seq}-${position.sub + 1}` : '-', '+')
      .xrange(log, '-', '+', 'COUNT', 1)
      .xrevrange(log, '+', '-', 'COUNT', 1)
      .exec();
    const [state, info, after, oldest, newest] = results!.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [Array<string | null>, string, Entry[], Entry[], Entry[]];
    const [epoch, writer] = state;
    if (!epoch) return missedSince(lastEventId, null, LOG_START, []);
    const last = newest.length > 0 ? entryPosition(newest[0]![0]) : LOG_START;
    // Another process writes the topic now, and its next event begins a new epoch right after the newest entry.
    const history = info.includes(`\nrun_id:${writer}\r\n`)
      ? { epoch, from: state[3] ? entryPosition(state[3]) : LOG_START, previous: state[2] }
      : { epoch: null, from: { seq: last.seq, sub: last.sub + 1 }, previous: epoch };
    const inEpoch = (entry: Entry) => comparePositions(entryPosition(entry[0]), history.from) >= 0;
    const eventsOf = (epoch: string | null, entries: Entry[]) => (epoch === null ? [] : entries.map((entry) => loggedEvent(epoch, entry)));
    // Every event of the current epoch, for a client of another history.
    const wholeEpoch = async () =>
      history.epoch === null
        ? []
        : !position || comparePositions(position, history.from) < 0
          ? after
          : ((await this.client.xrange(log, `${history.from.seq}-${history.from.sub}`, '+')) as Entry[]);
    if (history.previous && position?.epoch === history.previous) {
      const rest = after.filter((entry) => !inEpoch(entry));
      const events = eventsOf(history.epoch, (await wholeEpoch()).filter(inEpoch));
      return { before: readableBy(reader, eventsOf(history.previous, rest)), reset: true, events: readableBy(reader, events) };
    }
    if (history.epoch === null) return missedSince(lastEventId, null, LOG_START, []);
    const held =
      position?.epoch === history.epoch ? [...oldest.filter((entry) => comparePositions(entryPosition(entry[0]), position) <= 0), ...after] : await wholeEpoch();
    return missedSince(lastEventId, history.epoch, last, eventsOf(history.epoch, held.filter(inEpoch)), reader);
  }
}

/** The position (n, k) of stream entry `<n>-<k>`. */
function entryPosition(entryId: string): LogPosition {
  const dash = entryId.indexOf('-');
  return { seq: Number(entryId.slice(0, dash)), sub: Number(entryId.slice(dash + 1)) };
}

/** A stream entry `<n>-<k>` as the event at position (n, k) of history `epoch`. */
function loggedEvent(epoch: string, [entryId, fields]: Entry): LoggedEvent {
  const { seq, sub } = entryPosition(entryId);
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
