import { describe, expect, it } from 'vitest';
import { AUTH, expectStreamLimit, useDemo } from './harness.js';
import { EventReader } from './sse.js';

const demo = useDemo();

const metrics = (headers: Record<string, string>) => EventReader.open(`${demo().url}/admin/metrics/stream`, { headers });

describe('GET /admin/metrics/stream', () => {
  it('sends the admin real process figures every second', async () => {
    const prices = await EventReader.open(`${demo().url}/prices/stream`);
    await prices.take(5);
    const admin = await metrics(AUTH.admin);
    const events = await admin.take(2, 5000);
    const [first, second] = events.map((event) => JSON.parse(event.data));
    expect(events.every((event) => event.event === 'metrics')).toBe(true);
    expect(second.connections).toEqual({
      streamPrices: 1,
      streamSelectedPrices: 0,
      streamNotifications: 0,
      streamTaskProgress: 0,
      streamChatRoom: 0,
      streamChatRooms: 0,
      streamMetrics: 1,
      streamLogs: 0,
    });
    expect(second.eventsPerSecond).toBeGreaterThan(0);
    expect(second.bytesPerSecond).toBeGreaterThan(second.eventsPerSecond);
    expect(second.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(second.eventLoopDelayMs.mean).toBeGreaterThanOrEqual(0);
    expect(Date.parse(second.timestamp) - Date.parse(first.timestamp)).toBeGreaterThanOrEqual(900);
    admin.close();
    prices.close();
  });

  it('refuses anonymous callers (401) and identities without the admin role (403)', async () => {
    expect((await fetch(`${demo().url}/admin/metrics/stream`)).status).toBe(401);
    const forbidden = await fetch(`${demo().url}/admin/metrics/stream`, { headers: AUTH.u1 });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).detail).toMatch(/role/);
  });

  it('refuses a sixth open stream of the admin (429)', async () => {
    const open = await expectStreamLimit(() => metrics(AUTH.admin));
    for (const reader of open) reader.close();
  });
});
