import { beforeAll, describe, expect, it } from 'vitest';
import { AUTH, useDemo } from './harness.js';
import { EventReader } from './sse.js';

const demo = useDemo();
beforeAll(() => {
  for (let i = 1; i <= 60; i++) demo().demo.logs.write(i % 10 === 0 ? 'error' : 'info', i % 2 ? 'billing' : 'search', `entry ${i}`);
  for (let i = 1; i <= 60; i++) demo().demo.logs.write('debug', 'batch', `batch ${i}`);
});

const logs = (query: string) => EventReader.open(`${demo().url}/logs/stream?${query}`, { headers: AUTH.admin });
const messages = (events: { data: string }[]) => events.map((event) => JSON.parse(event.data).message);

describe('GET /logs/stream', () => {
  it('with follow=false sends the last 50 matching entries, oldest first, then ends', async () => {
    const events = await (await logs('follow=false&service=search')).rest();
    expect(events.every((event) => event.event === 'log')).toBe(true);
    expect(messages(events)).toEqual(Array.from({ length: 30 }, (_, i) => `entry ${2 * i + 2}`));
    const batch = await (await logs('follow=false&service=batch')).rest();
    expect(messages(batch)).toEqual(Array.from({ length: 50 }, (_, i) => `batch ${i + 11}`));
  });

  it('filters by minimum level', async () => {
    const events = await (await logs('follow=false&level=error&service=search')).rest();
    expect(messages(events)).toEqual(['entry 10', 'entry 20', 'entry 30', 'entry 40', 'entry 50', 'entry 60']);
  });

  it('follows live entries that match, by default', async () => {
    const reader = await logs('level=warn&service=search');
    await reader.take(6);
    demo().demo.logs.write('info', 'search', 'too low');
    demo().demo.logs.write('error', 'billing', 'other service');
    demo().demo.logs.write('warn', 'search', 'live one');
    const [live] = await reader.take(1);
    expect(JSON.parse(live!.data)).toMatchObject({ level: 'warn', service: 'search', message: 'live one' });
    reader.close();
  });

  it.each([['level=loud'], ['follow=maybe'], ['verbose=1']])('refuses %s with 400', async (query) => {
    const response = await fetch(`${demo().url}/logs/stream?${query}`, { headers: AUTH.admin });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
