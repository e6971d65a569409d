/**
 * Sharded pub/sub on a Redis Cluster that survives a failover: one subscriber connection per
 * master, each channel subscribed (SSUBSCRIBE) on the master that owns its slot now. When a
 * connection drops, the cluster's slot table changes, or a master stops serving a channel, the
 * channels concerned are subscribed again on their slot's current master.
 *
 * Our own rather than ioredis' `shardedSubscribers`: in ioredis 5.11 its subscriber group resets
 * itself thousands of times while a replica takes over a killed master (about 2,600 in 30 s) and
 * never subscribes that master's channels on the promoted replica.
 */
import type { Cluster, Redis } from 'ioredis';

interface ChannelState {
  /** Hash slot of the channel, once the cluster told it. */
  slot: number | null;
  /** Master it is subscribed on, confirmed by the server; `null` while it is not. */
  node: string | null;
  /** Master an SSUBSCRIBE of it is on its way to, if any. */
  subscribing: string | null;
  /** Settles once first subscribed (or once dropped before). */
  firstSubscribed: Promise<void>;
  resolveFirst: () => void;
  /** True once first subscribed: from then on, a time it is not subscribed is an outage. */
  wasSubscribed: boolean;
}

/** Waits between repair rounds while some channel is not subscribed: doubles from 100 ms up to 1 s. */
const FIRST_REPAIR_DELAY_MS = 100;
const MAX_REPAIR_DELAY_MS = 1000;

export class ShardSubscriber {
  private readonly channels = new Map<string, ChannelState>();
  /** One subscriber connection per master some channel is (being) subscribed on. */
  private readonly connections = new Map<string, Redis>();
  private repairTimer: NodeJS.Timeout | null = null;
  private repairDelay = FIRST_REPAIR_DELAY_MS;
  private closed = false;
  private readonly placeAll = () => this.place();

  /**
   * @param onMessage a published message (its text as sent)
   * @param onChange called whenever `subscribed` may have changed
   */
  constructor(
    private readonly cluster: Cluster,
    private readonly onMessage: (text: string) => void,
    private readonly onChange: () => void,
  ) {
    // ioredis refreshes its slot table after MOVED replies and lost nodes: channels follow it.
    cluster.on('refresh', this.placeAll);
  }

  /**
   * True when every channel is subscribed on the master its slot has now. A channel not yet
   * subscribed the first time does not count: its streams wait for `add` to settle.
   */
  get subscribed(): boolean {
    for (const state of this.channels.values()) if (state.wasSubscribed && (state.node === null || this.ownerOf(state.slot!) !== state.node)) return false;
    return true;
  }

  /** Subscribes a channel; settles once the server confirmed it. */
  add(channel: string): Promise<void> {
    let resolveFirst!: () => void;
    const firstSubscribed = new Promise<void>((resolve) => (resolveFirst = resolve));
    const state: ChannelState = { slot: null, node: null, subscribing: null, firstSubscribed, resolveFirst, wasSubscribed: false };
    this.channels.set(channel, state);
    // A subscriber connection cannot ask the slot, so the cluster client does, once per channel.
    this.cluster.cluster('KEYSLOT', channel).then(
      (slot) => {
        state.slot = Number(slot);
        if (this.channels.get(channel) === state && !this.placeOne(channel, state)) this.scheduleRepair();
      },
      () => this.scheduleRepair(),
    );
    return firstSubscribed;
  }

  remove(channel: string): void {
    const state = this.channels.get(channel);
    if (!state) return;
    this.channels.delete(channel);
    state.resolveFirst();
    if (state.node !== null) this.connections.get(state.node)?.sunsubscribe(channel).catch(() => {});
    // Only a channel lost after its first subscription holds `subscribed` false.
    else if (state.wasSubscribed) this.onChange();
  }

  close(): void {
    this.closed = true;
    this.cluster.off('refresh', this.placeAll);
    if (this.repairTimer) clearTimeout(this.repairTimer);
    for (const connection of this.connections.values()) connection.disconnect();
    this.connections.clear();
  }

  private ownerOf(slot: number): string | undefined {
    return this.cluster.slots[slot]?.[0];
  }

  /** Subscribes every channel that is not subscribed on its slot's current master. */
  private place(): void {
    if (this.closed) return;
    let settled = true;
    for (const [channel, state] of this.channels) if (!this.placeOne(channel, state)) settled = false;
    this.onChange();
    if (!settled) this.scheduleRepair();
    else this.repairDelay = FIRST_REPAIR_DELAY_MS;
  }

  /** Subscribes one channel on its slot's current master unless it is already; true if it is. */
  private placeOne(channel: string, state: ChannelState): boolean {
    if (state.slot === null) return false;
    const owner = this.ownerOf(state.slot);
    if (owner !== undefined && owner === state.node) return true;
    if (state.node !== null) {
      this.connections.get(state.node)?.sunsubscribe(channel).catch(() => {});
      state.node = null;
    }
    const connection = owner === undefined ? undefined : this.connectionTo(owner);
    if (!connection || state.subscribing === owner) return false;
    state.subscribing = owner!;
    connection.ssubscribe(channel).then(
      () => {
        state.subscribing = null;
        // Kept only if the channel still wants this master: the slot table may have moved on meanwhile.
        if (this.channels.get(channel) !== state || this.ownerOf(state.slot!) !== owner || this.connections.get(owner!) !== connection) return;
        state.node = owner!;
        const again = state.wasSubscribed;
        state.wasSubscribed = true;
        state.resolveFirst();
        // A first subscription leaves `subscribed` as it was.
        if (again) this.onChange();
      },
      () => {
        state.subscribing = null;
        this.scheduleRepair();
      },
    );
    return false;
  }

  /** The subscriber connection to one master, made from the cluster's own connection to it. */
  private connectionTo(node: string): Redis | undefined {
    const existing = this.connections.get(node);
    if (existing) return existing;
    const base = this.cluster.nodes('all').find((redis) => `${redis.options.host}:${redis.options.port}` === node);
    if (!base) return undefined;
    // No reconnecting of its own: a lost master's channels move to whichever master has their slots then.
    // No ready check either: its INFO is refused once the first SSUBSCRIBE is on its way.
    const connection = base.duplicate({ lazyConnect: false, readOnly: false, enableReadyCheck: false, retryStrategy: () => null, connectionName: 'sse-shard-subscriber' });
    this.connections.set(node, connection);
    connection.on('smessage', (_channel: string, text: string) => this.onMessage(text));
    connection.on('close', () => this.lost(node, connection));
    // Redis 7 pushes an `sunsubscribe` when a master stops serving a slot; ioredis, with no
    // command of ours waiting, reports it as an error. Either way, place that master's channels again.
    connection.on('error', () => this.moved(node));
    return connection;
  }

  private lost(node: string, connection: Redis): void {
    if (this.connections.get(node) !== connection) return;
    this.connections.delete(node);
    this.moved(node);
  }

  /** The channels subscribed on `node` are to be subscribed again, wherever their slots are now. */
  private moved(node: string): void {
    for (const state of this.channels.values()) if (state.node === node) state.node = null;
    this.onChange();
    this.scheduleRepair();
  }

  /** Asks the cluster for its slot table again, then places the channels; repeats until all are subscribed. */
  private scheduleRepair(): void {
    if (this.repairTimer || this.closed) return;
    const delay = this.repairDelay;
    this.repairDelay = Math.min(this.repairDelay * 2, MAX_REPAIR_DELAY_MS);
    this.repairTimer = setTimeout(() => {
      this.repairTimer = null;
      for (const [channel, state] of this.channels) {
        if (state.slot !== null) continue;
        this.cluster.cluster('KEYSLOT', channel).then((slot) => (state.slot = Number(slot)), () => {});
      }
      this.cluster.refreshSlotsCache(() => this.place());
    }, delay);
    this.repairTimer.unref();
  }
}
