/**
 * Sends a replayable broadcast's store again when Redis refused it for a while: on a Redis
 * Cluster whose replica takes over a lost master, commands for that master's slots fail for a
 * second or two (CLUSTERDOWN, TRYAGAIN, "Too many Cluster redirections"), and ioredis' own
 * retries of them can reach the new master out of order. The append script skips a store whose
 * sender sequence is at or below the last one it applied for the topic (answering ''), which is
 * right for a resend of a store that did apply and wrong for one overtaken by a later store. So
 * a store refused or skipped is sent again once the topic's other stores are answered: under
 * its own sequence if no later one got through (a skip then means it did apply), else under a
 * new one.
 */

/** Sends one store under the given sender sequence; answers the id Redis gave it ('' when the script skipped it). */
export type SendStore = (sequence: number) => Promise<string>;

/** Waits between attempts: doubles from 100 ms up to 1 s. */
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 1000;

interface Lane {
  /** Stores of the topic sent straight away and not answered yet. */
  inFlight: Set<Promise<string>>;
  /**
   * Set once a store of the topic was refused: from then on, until the lane is clear again, its
   * stores go one at a time, each after everything before it was answered, so a resend never
   * races a later store of the topic.
   */
  tail: Promise<void> | null;
  /** Highest sequence of the topic Redis applied. */
  confirmed: number;
}

export class RetryingStore {
  /** One lane per topic with stores under way. */
  private readonly lanes = new Map<string, Lane>();

  /**
   * @param nextSequence the sender's next sequence, growing with each call
   * @param retryForMs how long a refused store is sent again before its error is final
   * @param gaveUp true when no attempt can succeed any more (the client was closed)
   */
  constructor(
    private readonly nextSequence: () => number,
    private readonly retryForMs: number,
    private readonly gaveUp: () => boolean,
  ) {}

  /** Stores through `send`, retried until `retryForMs` has passed; rejects with the last error after it. */
  store(topic: string, send: SendStore): Promise<string> {
    let lane = this.lanes.get(topic);
    if (!lane) this.lanes.set(topic, (lane = { inFlight: new Set(), tail: null, confirmed: 0 }));
    const deadline = Date.now() + this.retryForMs;
    const queued = lane;
    if (lane.tail) return this.inTurn(topic, lane, () => this.attempts(queued, send, null, deadline, false));
    const sequence = this.nextSequence();
    const sent = send(sequence);
    lane.inFlight.add(sent);
    return sent.then(
      (id) => {
        queued.inFlight.delete(sent);
        if (id === '') return this.inTurn(topic, queued, () => this.attempts(queued, send, sequence, deadline, false));
        queued.confirmed = Math.max(queued.confirmed, sequence);
        this.release(topic, queued);
        return id;
      },
      (error: unknown) => {
        queued.inFlight.delete(sent);
        if (this.gaveUp() || Date.now() >= deadline) {
          this.release(topic, queued);
          throw error;
        }
        return this.inTurn(topic, queued, () => this.attempts(queued, send, sequence, deadline, true));
      },
    );
  }

  /** Runs `step` once every store of the topic before it was answered, and holds later ones until it ends. */
  private inTurn(topic: string, lane: Lane, step: () => Promise<string>): Promise<string> {
    const turn = (lane.tail ?? Promise.resolve()).then(() => Promise.allSettled([...lane.inFlight])).then(step);
    const tail = turn.then(
      () => {},
      () => {},
    );
    lane.tail = tail;
    void tail.then(() => {
      if (lane.tail === tail) lane.tail = null;
      this.release(topic, lane);
    });
    return turn;
  }

  /**
   * Sends a store, alone among its topic's, until Redis takes it or the deadline passes.
   * `earlier` is the sequence a previous attempt went under, if one was made; `wait` delays the
   * first attempt (after a refusal, not after a skip).
   */
  private async attempts(lane: Lane, send: SendStore, earlier: number | null, deadline: number, wait: boolean): Promise<string> {
    for (let delay = FIRST_RETRY_DELAY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      if (wait) await new Promise((resolve) => setTimeout(resolve, delay));
      // Every store before this one was answered, so `confirmed` tells whether a later store got
      // through. If none did, the earlier sequence is kept, and a skip means an earlier attempt
      // applied. It could apply twice only if a later store applied while its answer was lost
      // (sent to the lost master, copied to its replica, then the master died).
      const sequence = earlier === null || lane.confirmed > earlier ? this.nextSequence() : earlier;
      try {
        const id = await send(sequence);
        if (id !== '') lane.confirmed = Math.max(lane.confirmed, sequence);
        return id;
      } catch (error) {
        if (this.gaveUp() || Date.now() + delay >= deadline) throw error;
        earlier = sequence;
        wait = true;
      }
    }
  }

  /** Forgets a topic's lane once nothing of it is under way. */
  private release(topic: string, lane: Lane): void {
    if (lane.inFlight.size === 0 && lane.tail === null && this.lanes.get(topic) === lane) this.lanes.delete(topic);
  }
}
