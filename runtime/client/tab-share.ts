/**
 * One connection per subscription for all the tabs of an origin. Every tab subscribing with the
 * same key asks for the Web Lock of that name; the tab holding it connects and posts what it
 * receives on the BroadcastChannel of that name, the others deliver what it posts. When the
 * leading tab closes, the lock passes to the next tab, which connects with the last id it
 * delivered as `Last-Event-ID`. Browsers allow six HTTP/1.1 connections per host for all tabs
 * together, so without this the seventh stream of a browser waits, silently, for a free one.
 */
import type { WireMessage } from './attempt.js';
import { HttpError } from './http.js';
import type { ConnectionStatus, Problem } from './types.js';

/**
 * Messages each tab keeps, to bring a tab that opens later up to date (what a new connection would
 * have replayed) and to recognise events a new leading tab has replayed. About 200 s of the demo's
 * price ticks; past it a newcomer is told, by a reset, that the history it got is incomplete.
 */
const HISTORY_LIMIT = 1000;

interface Delivered {
  /** The tab whose connection received it. */
  leader: string;
  message: WireMessage;
}

/** Why a leading tab's subscription stopped, as it crosses to the others (errors lose their class). */
type SharedFailure = { status: number; problem?: Problem | undefined } | { error: unknown };

type TabMessage =
  | { type: 'event'; delivered: Delivered }
  | { type: 'id'; id: string }
  | { type: 'status'; status: ConnectionStatus; failure?: SharedFailure }
  | { type: 'hello'; tab: string }
  | { type: 'welcome'; to: string; history: Delivered[]; complete: boolean; open: boolean; lastEventId: string | undefined }
  | { type: 'leading' };

export interface TabShareHooks {
  /** Runs this tab's connection once it leads; resolves when the subscription is over. */
  lead(): Promise<void>;
  /** An event for this tab's subscription; each event id comes once. */
  deliver(message: WireMessage): void;
  /** The leading tab's connection got a new last event id (`''` resets it), with or without an event. */
  track(id: string): void;
  /** A status of the leading tab's connection (`closed` with the failure that stopped it). */
  follow(status: ConnectionStatus, failure?: unknown): void;
  /** The history this tab was given lacks its oldest messages. */
  historyIncomplete(): void;
}

/** Web Locks, BroadcastChannel and a digest for the key: browsers in secure contexts have all three. */
export function tabSharingAvailable(): boolean {
  return typeof BroadcastChannel === 'function' && globalThis.navigator?.locks !== undefined && globalThis.crypto?.subtle !== undefined;
}

/**
 * The lock and channel name of a subscription: a SHA-256 of what identifies it, credentials
 * included, so tabs of different identities never share and no credential is readable on the channel.
 */
export async function subscriptionKey(parts: unknown[]): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(parts)));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `asyncapi-sse:${hex}`;
}

export class TabShare {
  private readonly tab = crypto.randomUUID();
  private readonly channel: BroadcastChannel;
  private readonly lockRequest = new AbortController();
  private leading = false;
  /** Until a leading tab has sent this one its history, live events would arrive before older ones. */
  private joining = true;
  private connectionOpen = false;
  private readonly history: Delivered[] = [];
  private historyComplete = true;
  /** The last event id the leading tab's connection got, for a tab that joins (none yet: `undefined`). */
  private lastEventId: string | undefined;
  /** Event id → the tab whose connection delivered it, for the ids in `history`. */
  private readonly leaderOf = new Map<string, string>();

  constructor(
    key: string,
    private readonly hooks: TabShareHooks,
  ) {
    this.channel = new BroadcastChannel(key);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => this.receive(event.data);
    this.post({ type: 'hello', tab: this.tab });
    navigator.locks
      .request(key, { signal: this.lockRequest.signal }, () => this.lead())
      // Rejects with an AbortError when the subscription closes before this tab leads.
      .catch(() => {});
  }

  /** An event from this tab's own connection. */
  publish(message: WireMessage): void {
    const delivered = { leader: this.tab, message };
    this.post({ type: 'event', delivered });
    this.accept(delivered);
  }

  /**
   * A new last event id on this tab's own connection. Sent apart from events because a block with
   * an `id:` and no data moves it too: a tab that leads next resumes from it.
   */
  publishId(id: string): void {
    this.lastEventId = id;
    this.post({ type: 'id', id });
  }

  /** A status of this tab's own connection, for the tabs that follow it. */
  publishStatus(status: ConnectionStatus, failure?: unknown): void {
    if (!this.leading) return;
    if (status.type === 'open' || status.type === 'reconnecting' || status.type === 'closed') this.connectionOpen = status.type === 'open';
    const shared: TabMessage = { type: 'status', status: status.type === 'error' && status.error !== undefined ? { ...status, error: cloneableError(status.error) } : status };
    if (failure !== undefined) shared.failure = failure instanceof HttpError ? { status: failure.status, problem: failure.problem } : { error: cloneableError(failure) };
    this.post(shared);
  }

  close(): void {
    this.lockRequest.abort();
    this.channel.close();
  }

  private async lead(): Promise<void> {
    this.leading = true;
    // Its own connection resumes from the last id it delivered; the server replays the rest.
    this.joining = false;
    this.post({ type: 'leading' });
    await this.hooks.lead();
  }

  private receive(message: TabMessage): void {
    switch (message.type) {
      case 'event':
        if (!this.joining) this.accept(message.delivered);
        return;
      case 'id':
        if (this.joining) return;
        this.lastEventId = message.id;
        this.hooks.track(message.id);
        return;
      case 'status':
        if (!this.joining) this.hooks.follow(message.status, message.failure && restore(message.failure));
        return;
      case 'hello':
        if (this.leading) this.post({ type: 'welcome', to: message.tab, history: this.history, complete: this.historyComplete, open: this.connectionOpen, lastEventId: this.lastEventId });
        return;
      case 'welcome':
        if (message.to !== this.tab || !this.joining) return;
        this.joining = false;
        for (const delivered of message.history) this.accept(delivered);
        if (message.lastEventId !== undefined) {
          this.lastEventId = message.lastEventId;
          this.hooks.track(message.lastEventId);
        }
        if (!message.complete) {
          this.historyComplete = false;
          this.hooks.historyIncomplete();
        }
        if (message.open) this.hooks.follow({ type: 'open' });
        return;
      case 'leading':
        // The tab that was to answer closed first: ask the new one.
        if (this.joining) this.post({ type: 'hello', tab: this.tab });
        return;
    }
  }

  private accept(delivered: Delivered): void {
    const { id } = delivered.message;
    if (id) {
      const leader = this.leaderOf.get(id);
      // Another tab's connection delivered this id before: a new leading tab got it again in its replay.
      if (leader !== undefined && leader !== delivered.leader) return;
      this.leaderOf.set(id, delivered.leader);
    }
    this.history.push(delivered);
    if (this.history.length > HISTORY_LIMIT) this.forgetOldest();
    this.hooks.deliver(delivered.message);
  }

  private forgetOldest(): void {
    const { leader, message } = this.history.shift()!;
    if (message.id && this.leaderOf.get(message.id) === leader) this.leaderOf.delete(message.id);
    this.historyComplete = false;
  }

  private post(message: TabMessage): void {
    // A closed channel throws; a transport may still report what arrived while it was aborted.
    if (!this.lockRequest.signal.aborted) this.channel.postMessage(message);
  }
}

/** Structured clone keeps an Error's name and message (not its class); anything else crosses as text. */
function cloneableError(error: unknown): unknown {
  return error instanceof Error ? error : String(error);
}

function restore(failure: SharedFailure): unknown {
  return 'status' in failure ? new HttpError(failure.status, failure.problem) : failure.error;
}
