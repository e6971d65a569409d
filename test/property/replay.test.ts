/**
 * Property: for any sequence of broadcasts to a whole topic and to part of it (an identity, all
 * but one, metadata values), with the log trimmed by count and by age, a client coming back at
 * any position it was sent gets exactly the events after it that are in its audience, or
 * `reset: true` with those still held when some event after it is gone; never a missing
 * event with `reset: false`, never a reset when nothing is gone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryReplayer, type AudienceMember, type BroadcastAudience } from '../../runtime/index.js';
import { inAudience } from '../../runtime/audience.js';
import { propertySettings } from './settings.js';

const key = { operationId: 'room', topic: 'r1' };
const users = ['u1', 'u2', 'u3'] as const;
const seats = ['front', 'back'] as const;

type Step = { kind: 'broadcast'; audience?: BroadcastAudience } | { kind: 'wait'; ms: number };

const audience: fc.Arbitrary<BroadcastAudience> = fc.oneof(
  fc.constantFrom(...users).map((identity) => ({ identity })),
  fc.constantFrom(...users).map((exceptIdentity) => ({ exceptIdentity })),
  fc.constantFrom(...seats).map((seat) => ({ metadata: { seat } })),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Step>({ kind: 'broadcast' }) },
  { weight: 4, arbitrary: audience.map<Step>((a) => ({ kind: 'broadcast', audience: a })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }).map<Step>((ms) => ({ kind: 'wait', ms })) },
);

const readers: AudienceMember[] = users.flatMap((id) => seats.map((seat) => ({ identity: { id }, metadata: { seat } })));
readers.push({ identity: null, metadata: {} });

interface Appended {
  id: string;
  data: string;
  audience?: BroadcastAudience;
  at: number;
}

describe('in-memory replay of broadcasts addressed to part of a topic', () => {
  it('returns exactly what a returning stream is owed, or a reset when some of it may be gone', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (steps, maxEvents) => {
        const limits = { maxEvents, ttlMs: 100 };
        let now = 0;
        const replayer = new MemoryReplayer({ now: () => now, sweepMs: 1e9 });
        const appended: Appended[] = [];
        for (const s of steps) {
          if (s.kind === 'wait') {
            now += s.ms;
            continue;
          }
          const data = String(appended.length);
          const id = replayer.append(key, s.audience ? { event: 'message', data, audience: s.audience } : { event: 'message', data }, limits);
          appended.push({ id, data, audience: s.audience, at: now });
        }
        if (appended.length === 0) return;
        // What the log still holds: the last `maxEvents`, younger than the TTL.
        const held = new Set(appended.slice(-maxEvents).filter((event) => event.at > now - limits.ttlMs));
        const owed = (reader: AudienceMember, events: Appended[]) =>
          events.filter((event) => held.has(event) && (!event.audience || inAudience(reader, event.audience))).map((event) => `${event.id}:${event.data}`);
        const got = (events: Array<{ id: string; data: string }>) => events.map((event) => `${event.id}:${event.data}`);

        expect(new Set(appended.map((event) => event.id)).size).toBe(appended.length);
        for (const reader of readers) {
          // Any position, the reader's own or not: a stream's position is the last id it was sent.
          for (const [index, position] of appended.entries()) {
            const after = appended.slice(index + 1);
            const missed = replayer.since(key, position.id, reader);
            expect(missed.reset).toBe(after.some((event) => !held.has(event)));
            expect(got(missed.events)).toEqual(owed(reader, after));
          }
          // An id of another history: a reset, then all that is held for this reader.
          const foreign = replayer.since(key, 'zzzzzzzz-1', reader);
          expect(foreign.reset).toBe(true);
          expect(got(foreign.events)).toEqual(owed(reader, appended));
        }
        // Without a reader, addressed events are never replayed.
        expect(replayer.since(key, 'zzzzzzzz-1').events.map((event) => event.data)).toEqual(appended.filter((event) => !event.audience && held.has(event)).map((event) => event.data));
      }),
      propertySettings(500),
    );
  });
});
