/**
 * Replay on Redis Streams: one stream per (operation, topic), trimmed to about `maxEvents`
 * (XADD MAXLEN ~) and expiring `ttlMs` after its last event, so an idle topic leaves no key.
 * Ids stay decimal and grow by one per topic, assigned once, cluster-wide, by a script.
 */
import type { Redis } from 'ioredis';
import type { ReplayableEvent, Replayer, ReplayKey, ReplayLimits, StoredEvent } from '../ports.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * KEYS: topic log, highest id issued, this sender's last applied publish.
 * ARGV: maxEvents, ttlMs, event ('' for data-only), data, channel ('' publishes nothing),
 * message JSON to publish after `<id>\n`, publish sequence of this sender ('' for none).
 *
 * A new topic starts at 1, or two past the highest id ever issued (see `firstTopicId`), so a
 * client holding an id of an expired topic gets `sse-reset`. A sequence at or below the
 * sender's last applied one is a command resent after a reconnect: it was stored already.
 */
const APPEND_SCRIPT = `
if ARGV[7] ~= '' then
  local applied = tonumber(redis.call('GET', KEYS[3]) or '0')
  if tonumber(ARGV[7]) <= applied then return '' end
  redis.call('SET', KEYS[3], ARGV[7], 'PX', 3600000)
end
local highest = tonumber(redis.call('GET', KEYS[2]) or '0')
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id
if #newest > 0 then
  id = tonumber(string.match(newest[1][1], '^(%d+)')) + 1
elseif highest == 0 then
  id = 1
else
  id = highest + 2
end
local text = string.format('%.0f', id)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], text .. '-0', 'e', ARGV[3], 'd', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if id > highest then redis.call('SET', KEYS[2], text) end
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], text .. '\\n' .. ARGV[6]) end
return text
`;

const DECIMAL_ID = /^(0|[1-9][0-9]{0,15})$/;

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

  constructor(
    private readonly client: Redis,
    keyPrefix?: string,
  ) {
    this.keys = redisKeys(keyPrefix);
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
      3,
      this.keys.log(key),
      this.keys.highestId,
      publish ? this.keys.sender(publish.sender) : this.keys.highestId,
      limits.maxEvents,
      limits.ttlMs,
      event.event ?? '',
      event.data,
      publish?.channel ?? '',
      publish?.message ?? '',
      publish ? publish.sequence : '',
    ) as Promise<string>;
  }

  async since(key: ReplayKey, lastEventId: string): Promise<StoredEvent[] | null> {
    if (!DECIMAL_ID.test(lastEventId)) return null;
    const last = Number(lastEventId);
    const log = this.keys.log(key);
    const results = await this.client
      .multi()
      .xrange(log, `${lastEventId}-1`, '+')
      .xrange(log, '-', '+', 'COUNT', 1)
      .xrevrange(log, '+', '-', 'COUNT', 1)
      .exec();
    const [missed, oldest, newest] = results!.map(([error, value]) => {
      if (error) throw error;
      return value as Entry[];
    }) as [Entry[], Entry[], Entry[]];
    if (newest.length === 0) return last === 0 ? [] : null;
    const lastId = entryId(newest[0]!);
    if (last > lastId) return null;
    if (last === lastId) return [];
    if (last < entryId(oldest[0]!) - 1) return null;
    return missed.map(storedEvent);
  }
}

function entryId(entry: Entry): number {
  return Number(entry[0].slice(0, entry[0].indexOf('-')));
}

function storedEvent(entry: Entry): StoredEvent {
  const fields = entry[1];
  const event = fields[fields.indexOf('e') + 1] ?? '';
  return { id: String(entryId(entry)), event: event === '' ? null : event, data: fields[fields.indexOf('d') + 1] ?? '' };
}
