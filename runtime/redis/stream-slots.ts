/**
 * Cluster-wide per-identity stream limits: each open stream holds a slot in a sorted set per
 * (operation, identity), scored by the time its lease ends. Instances renew their leases, so
 * the slots of an instance that died expire with them.
 */
import { randomUUID } from 'node:crypto';
import type { Result } from 'ioredis';
import type { RedisClient } from './broadcaster.js';
import type { StreamSlots } from '../ports.js';
import { HttpProblem } from '../problem.js';
import type { RedisKeys } from './keys.js';

/** KEYS: the identity's slots. ARGV: now, cap, lease end, slot, lease ms. Returns 1 when a slot was taken. */
const RESERVE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sseReserveSlot(key: string, ...args: Array<string | number>): Result<number, Context>;
  }
}

/** A dead instance's streams stop counting within this long. */
const DEFAULT_LEASE_MS = 30_000;

export class RedisStreamSlots implements StreamSlots {
  /** Slot -> its sorted set, for every slot this instance holds. */
  private readonly held = new Map<string, string>();
  private readonly instanceId = randomUUID();
  private lastSlot = 0;
  private renewer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {
    if (typeof (client as { sseReserveSlot?: unknown }).sseReserveSlot !== 'function') client.defineCommand('sseReserveSlot', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
  }

  async reserve(operationId: string, identityId: string, cap: number): Promise<string | null> {
    if (this.client.status !== 'ready') throw new HttpProblem(503, 'Stream limits are unavailable while Redis is unreachable', { 'Retry-After': '1' });
    const key = this.keys.streams(operationId, identityId);
    const slot = `${this.instanceId}:${(++this.lastSlot).toString(36)}`;
    const now = Date.now();
    if ((await this.client.sseReserveSlot(key, now, cap, now + this.leaseMs, slot, this.leaseMs)) !== 1) return null;
    this.held.set(slot, key);
    this.renewer ??= setInterval(() => this.renew(), this.leaseMs / 3).unref();
    return slot;
  }

  release(slot: string): void {
    const key = this.held.get(slot);
    if (key === undefined) return;
    this.held.delete(slot);
    // A release lost with Redis unreachable is cleaned up when the lease ends.
    this.client.zrem(key, slot).catch(() => {});
  }

  close(): void {
    clearInterval(this.renewer);
    this.renewer = undefined;
  }

  private renew(): void {
    if (this.held.size === 0 || this.client.status !== 'ready') return;
    const until = Date.now() + this.leaseMs;
    const pipeline = this.client.pipeline();
    for (const [slot, key] of this.held) pipeline.zadd(key, until, slot).pexpire(key, this.leaseMs);
    pipeline.exec().catch(() => {});
  }
}
