/**
 * Broadcasts waiting for the next flush, per topic. A broadcast costs one append here rather
 * than one per connection; at the flush every connection of the topic that holds nothing of
 * its own is handed the same encoded bytes in one write. A connection written to on its own
 * in between (or ending) first takes the broadcasts it is owed, so its frames keep their order.
 */
import { encodeFrames } from './outbox.js';
import type { ReplayPosition } from './ports.js';

export interface FanOutMember {
  /** Grows with every connection opened: a batch skips connections newer than itself. */
  readonly serial: number;
  readonly topic: string;
}

/** Frames broadcast to one topic since the last flush. */
export class FanOut<M extends FanOutMember> {
  readonly frames: Buffer[] = [];
  /** Each frame's replay id (NaN: none). */
  readonly seqs: number[] = [];
  bytes = 0;
  /** Lowest and highest replay id among the frames (NaN: none); they only grow within a batch. */
  firstSeq = Number.NaN;
  lastSeq = Number.NaN;
  /** A sealed batch takes no more frames: a member took it early, or a connection joined the topic. */
  sealed = false;
  /** Members that took the frames before the flush. */
  private taken: Set<M> | null = null;
  private raw: Buffer | null = null;
  private chunked: Buffer | null = null;

  constructor(
    /** The topic's live set of connections. */
    readonly members: Set<M>,
    /** The newest connection serial when the batch opened. */
    private readonly lastSerial: number,
    /** The history (epoch) every replay id of the batch counts in; null for frames without ids. */
    readonly epoch: string | null,
  ) {}

  /**
   * False when `seq` is not above the ids already held or counts in another history: that frame
   * starts a new batch, so each batch's ids only grow within one epoch.
   */
  accepts(seq: number, epoch: string | null): boolean {
    return !this.sealed && epoch === this.epoch && !(seq <= this.lastSeq);
  }

  add(frame: Buffer, seq: number): void {
    this.frames.push(frame);
    this.seqs.push(seq);
    this.bytes += frame.length;
    if (Number.isNaN(seq)) return;
    if (Number.isNaN(this.firstSeq)) this.firstSeq = seq;
    this.lastSeq = seq;
  }

  /** True for a member the flush still owes these frames. */
  owes(member: M): boolean {
    return member.serial <= this.lastSerial && !this.taken?.has(member);
  }

  markTaken(member: M): void {
    (this.taken ??= new Set()).add(member);
    this.sealed = true;
  }

  /** The frames as one write, encoded once per kind for every member. */
  encoded(chunked: boolean): Buffer {
    if (chunked) return (this.chunked ??= encodeFrames(this.frames, true));
    return (this.raw ??= encodeFrames(this.frames, false));
  }
}

/** The batches of one stream operation, in the order they opened. */
export class FanOuts<M extends FanOutMember> {
  private batches: Array<FanOut<M>> = [];
  private readonly byTopic = new Map<string, Array<FanOut<M>>>();

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }

  /** True when a flush will write broadcasts to `topic`'s connections. */
  pendingFor(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  /** Adds a broadcast frame for every connection of `members`; returns the batch that holds it. */
  add(topic: string, members: Set<M>, lastSerial: number, frame: Buffer, position: ReplayPosition | null): FanOut<M> {
    const seq = position ? position.seq : Number.NaN;
    const epoch = position ? position.epoch : null;
    let list = this.byTopic.get(topic);
    let batch = list?.[list.length - 1];
    if (!batch || !batch.accepts(seq, epoch)) {
      batch = new FanOut(members, lastSerial, epoch);
      this.batches.push(batch);
      if (list) list.push(batch);
      else this.byTopic.set(topic, (list = [batch]));
    }
    batch.add(frame, seq);
    return batch;
  }

  /** A connection joining `topic` must not receive what was broadcast before it: later frames open a new batch. */
  seal(topic: string): void {
    const list = this.byTopic.get(topic);
    if (list) list[list.length - 1]!.sealed = true;
  }

  /**
   * The batches `member` is owed, now marked taken: all of them at once, so that taking one
   * (which writes) never reaches for a later one first.
   */
  takeOwed(member: M): Array<FanOut<M>> {
    const list = this.byTopic.get(member.topic);
    if (!list) return [];
    const owed = list.filter((batch) => batch.owes(member));
    for (const batch of owed) batch.markTaken(member);
    return owed;
  }

  /** Every batch, oldest first, and none left. */
  drain(): Array<FanOut<M>> {
    const batches = this.batches;
    this.batches = [];
    this.byTopic.clear();
    return batches;
  }
}
