/**
 * The scenario of broadcasts addressed to part of a topic's streams and replay after reconnect,
 * run on one process (memory) and on two instances sharing Redis: who is sent what live, who is
 * replayed what, and what the client SDK reports as gaps.
 */
import { expect } from 'vitest';
import { subscribe, type GapInfo, type ResetInfo, type StreamOperationSpec, type Subscription } from '../../runtime/client/index.js';
import type { ConnectionManager, Replayer, ServiceSpec, SseStream } from '../../runtime/index.js';
import { channelStreamEndpoint, service, waitUntil } from './helpers.js';

type Events = { message: { n: number } };
type Params = { channel: string };
type Seat = { seat?: string };
export type Connections = { channelStream: ConnectionManager<Events, Params, Seat> };

/** A replayable room stream; the caller is the identity named in `x-user`. */
export const audienceSpec: ServiceSpec = service(
  channelStreamEndpoint({
    replay: { maxEvents: 100, ttlMs: 60_000 },
    security: [{ schemes: [{ name: 'user', type: 'httpApiKey', in: 'header', paramName: 'X-User' }], scopes: [] }],
    events: { message: { sseEvent: 'message', contentType: 'application/json' } },
  }),
);

export const authenticate = (req: { headers: Record<string, unknown> }) => (req.headers['x-user'] ? { id: String(req.headers['x-user']) } : null);

/** Each stream's metadata `seat` is its `?seat=` query parameter, set before the handler's first await. */
export const audienceHandlers = {
  channelStream: async (stream: SseStream<Events, Params, Seat>, { query }: { query: unknown }) => {
    stream.metadata.seat = (query as Seat).seat;
    await stream.closed;
  },
};

const operation: StreamOperationSpec = {
  operationId: 'channelStream',
  method: 'GET',
  path: '/channels/{channel}/stream',
  events: { message: { key: 'message', contentType: 'application/json' } },
  secured: true,
};

/** A typed SDK subscription that records every event, reset and gap it reports. */
class Member {
  readonly events: Array<{ n: number; id: string | null }> = [];
  readonly resets: ResetInfo[] = [];
  readonly gaps: GapInfo[] = [];
  private subscription!: Subscription<Events>;

  constructor(
    private readonly user: string,
    private readonly seat: string,
  ) {}

  open(baseUrl: string, lastEventId?: string): void {
    const request = { params: { channel: 'room' }, query: { seat: this.seat }, ...(lastEventId ? { lastEventId } : {}) };
    this.subscription = subscribe<Events>(operation, { baseUrl, headers: { 'x-user': this.user } }, request);
    this.subscription.on('message', ({ n }, { id }) => this.events.push({ n, id }));
    this.subscription.onReset((reset) => this.resets.push(reset));
    this.subscription.onGap((gap) => this.gaps.push(gap));
  }

  get numbers(): number[] {
    return this.events.map((event) => event.n);
  }

  get lastEventId(): string {
    return this.subscription.lastEventId!;
  }

  has(n: number): Promise<void> {
    return waitUntil(() => this.numbers.includes(n), 5000, `${this.user} to receive ${n}`);
  }

  close(): void {
    this.subscription.close();
  }
}

export interface AudienceReplaySetup {
  /** Where u1 streams first, where it comes back, and where u2 stays. */
  u1First: string;
  u1Back: string;
  u2: string;
  /** The connection manager broadcasts are posted on. */
  post: Connections['channelStream'];
  /** Open streams of the room on every instance. */
  openStreams(): number;
  /** The replay store the instances share: an event stored there and published to no one is a place the clients really miss. */
  replayer: Replayer;
}

/**
 * u1 and u2 stream one room; u1 leaves; broadcasts for u1 alone, for all but u1, for u1's
 * metadata, for u2's, and for the whole room are posted; u1 comes back with its last id.
 */
export async function runAudienceReplay(setup: AudienceReplaySetup): Promise<void> {
  const { post } = setup;
  const room = { channel: 'room' };
  const u1 = new Member('u1', 'front');
  const u2 = new Member('u2', 'back');
  u1.open(setup.u1First);
  u2.open(setup.u2);
  await waitUntil(() => setup.openStreams() === 2, 5000, 'both streams open');
  post.broadcast('message', { n: 1 }, { topic: room });
  await Promise.all([u1.has(1), u2.has(1)]);
  const u1LastId = u1.lastEventId;
  u1.close();
  await waitUntil(() => setup.openStreams() === 1, 5000, 'u1 to leave');

  post.broadcast('message', { n: 2 }, { topic: room, identity: 'u1' });
  post.broadcast('message', { n: 3 }, { topic: room, exceptIdentity: 'u1' });
  post.broadcast('message', { n: 4 }, { topic: room, metadata: { seat: 'front' } });
  post.broadcast('message', { n: 5 }, { topic: room });
  post.broadcast('message', { n: 6 }, { topic: room, identity: 'u2' });
  post.broadcast('message', { n: 7 }, { topic: room, metadata: { seat: 'back' } });
  post.broadcast('message', { n: 8 }, { topic: room, identity: 'u1' });
  post.broadcast('message', { n: 9 }, { topic: room });
  await u2.has(9);

  const back = new Member('u1', 'front');
  back.open(setup.u1Back, u1LastId);
  await back.has(9);
  post.broadcast('message', { n: 10 }, { topic: room, exceptIdentity: 'u2' });
  post.broadcast('message', { n: 11 }, { topic: room });
  await Promise.all([back.has(11), u2.has(11)]);
  expect(back.numbers).toEqual([2, 4, 5, 8, 9, 10, 11]);
  expect(u2.numbers).toEqual([1, 3, 5, 6, 7, 9, 11]);
  expect([...u1.resets, ...back.resets, ...u2.resets]).toEqual([]);
  expect([...u1.gaps, ...back.gaps, ...u2.gaps]).toEqual([]);
  // Addressed events take no place of their own: the topic-wide ones count 1, 2, 3, 4 in one history.
  const idOf = (member: Member, n: number) => member.events.find((event) => event.n === n)!.id!;
  const epoch = u1LastId.slice(0, u1LastId.indexOf('-'));
  expect([1, 5, 9, 11].map((n) => idOf(n === 1 ? u2 : back, n))).toEqual([1, 2, 3, 4].map((place) => `${epoch}-${place}`));
  expect(idOf(back, 2)).toBe(`${epoch}-1.1`);
  expect(idOf(back, 8)).toBe(`${epoch}-2.3`);

  // A place stored but sent to no one is a real gap, for either client.
  await setup.replayer.append({ operationId: 'channelStream', topic: 'room' }, { event: 'message', data: '{"n":12}' }, { maxEvents: 100, ttlMs: 60_000 });
  post.broadcast('message', { n: 13 }, { topic: room });
  await Promise.all([back.has(13), u2.has(13)]);
  expect(back.gaps).toEqual([{ lastEventId: `${epoch}-4`, id: `${epoch}-6`, missed: 1 }]);
  expect(u2.gaps).toEqual([{ lastEventId: `${epoch}-4`, id: `${epoch}-6`, missed: 1 }]);
  expect(back.numbers.at(-1)).toBe(13);
  back.close();
  u2.close();
}
