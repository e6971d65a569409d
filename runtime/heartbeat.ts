/**
 * One timer per heartbeat interval, shared by every connection using that interval. The
 * connections of an interval are dealt into slices, and each tick of the timer serves one
 * slice: every connection still beats once per interval, but a tick writes to a fraction of
 * them, so a large server does not stall its event loop on one turn (at 19,500 streams one
 * turn for all of them took 243 ms). A tick writes the heartbeat comment, ends streams past
 * their maximum duration and removes connections whose socket is gone. A timer stops when its
 * last connection leaves.
 */

export interface Beating {
  /** Epoch ms after which the stream ends cleanly; Infinity for no limit. */
  readonly expiresAt: number;
  beat(): void;
  expire(): void;
}

/** Slices per interval at most, and the shortest time between two ticks. */
const MAX_SLICES = 16;
const MIN_TICK_MS = 250;

interface Group {
  timer: NodeJS.Timeout;
  slices: Array<Set<Beating>>;
  /** The slice the next tick serves. */
  next: number;
  /** The slice the next connection joins. */
  dealt: number;
  size: number;
}

export class HeartbeatScheduler {
  private readonly groups = new Map<number, Group>();

  add(intervalMs: number, member: Beating): void {
    let group = this.groups.get(intervalMs);
    if (!group) {
      const count = Math.max(1, Math.min(MAX_SLICES, Math.floor(intervalMs / MIN_TICK_MS)));
      const slices = Array.from({ length: count }, () => new Set<Beating>());
      const created: Group = { timer: setInterval(() => tick(created), intervalMs / count), slices, next: 0, dealt: 0, size: 0 };
      created.timer.unref();
      this.groups.set(intervalMs, (group = created));
    }
    group.slices[group.dealt]!.add(member);
    group.dealt = (group.dealt + 1) % group.slices.length;
    group.size++;
  }

  remove(intervalMs: number, member: Beating): void {
    const group = this.groups.get(intervalMs);
    if (!group || !group.slices.some((slice) => slice.delete(member)) || --group.size > 0) return;
    clearInterval(group.timer);
    this.groups.delete(intervalMs);
  }

  /** Number of running timers (for tests and diagnostics). */
  get timers(): number {
    return this.groups.size;
  }
}

function tick(group: Group): void {
  const slice = group.slices[group.next]!;
  group.next = (group.next + 1) % group.slices.length;
  const now = Date.now();
  for (const member of slice) {
    if (member.expiresAt <= now) member.expire();
    else member.beat();
  }
}
