/**
 * One timer per heartbeat interval, shared by every connection using that interval.
 * Each tick writes the heartbeat comment, ends streams past their maximum duration and
 * removes connections whose socket is gone. A timer stops when its last connection leaves.
 */

export interface Beating {
  /** Epoch ms after which the stream ends cleanly; Infinity for no limit. */
  readonly expiresAt: number;
  beat(): void;
  expire(): void;
}

interface Group {
  timer: NodeJS.Timeout;
  members: Set<Beating>;
}

export class HeartbeatScheduler {
  private readonly groups = new Map<number, Group>();

  add(intervalMs: number, member: Beating): void {
    let group = this.groups.get(intervalMs);
    if (!group) {
      const members = new Set<Beating>();
      const timer = setInterval(tick, intervalMs, members);
      timer.unref();
      group = { timer, members };
      this.groups.set(intervalMs, group);
    }
    group.members.add(member);
  }

  remove(intervalMs: number, member: Beating): void {
    const group = this.groups.get(intervalMs);
    if (!group || !group.members.delete(member) || group.members.size > 0) return;
    clearInterval(group.timer);
    this.groups.delete(intervalMs);
  }

  /** Number of running timers (for tests and diagnostics). */
  get timers(): number {
    return this.groups.size;
  }
}

function tick(members: Set<Beating>): void {
  const now = Date.now();
  for (const member of members) {
    if (member.expiresAt <= now) member.expire();
    else member.beat();
  }
}
