import { describe, expect, it } from 'vitest';
import { useDemo } from './harness.js';
import { EventReader } from './sse.js';

const demo = useDemo();

const json = { 'content-type': 'application/json' };

describe('GET /prices/stream', () => {
  it('sends data-only price updates for every default symbol, then again a second later', async () => {
    const stream = await EventReader.open(`${demo().url}/prices/stream`);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await stream.take(10, 3000);
    stream.close();
    expect(events.every((event) => event.event === undefined)).toBe(true);
    const updates = events.map((event) => JSON.parse(event.data));
    expect(updates.slice(0, 5).map((update) => update.symbol)).toEqual(['AAPL', 'MSFT', 'GOOG', 'AMZN', 'NVDA']);
    expect(updates.slice(5).map((update) => update.symbol)).toEqual(['AAPL', 'MSFT', 'GOOG', 'AMZN', 'NVDA']);
    for (const update of updates) {
      expect(Object.keys(update).sort()).toEqual(['change', 'price', 'symbol', 'timestamp']);
      expect(update.price).toBeGreaterThan(0);
    }
    expect(updates[5].timestamp - updates[0].timestamp).toBeGreaterThanOrEqual(900);
  });
});

describe('POST /prices/stream', () => {
  it('streams only the chosen symbols at the chosen interval', async () => {
    const stream = await EventReader.open(`${demo().url}/prices/stream`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ symbols: ['TSLA', 'AAPL'], interval: 100 }),
    });
    expect(stream.response.status).toBe(200);
    const updates = (await stream.take(6, 3000)).map((event) => JSON.parse(event.data));
    stream.close();
    expect(updates.map((update) => update.symbol)).toEqual(['TSLA', 'AAPL', 'TSLA', 'AAPL', 'TSLA', 'AAPL']);
    expect(updates[4].timestamp - updates[0].timestamp).toBeLessThan(1000);
  });

  it.each([
    ['no symbols', { symbols: [], interval: 1000 }, '/body/symbols'],
    ['eleven symbols', { symbols: 'ABCDEFGHIJK'.split(''), interval: 1000 }, '/body/symbols'],
    ['an interval under 100 ms', { symbols: ['AAPL'], interval: 99 }, '/body/interval'],
    ['an interval over 60 s', { symbols: ['AAPL'], interval: 60001 }, '/body/interval'],
    ['a lower-case symbol', { symbols: ['aapl'], interval: 1000 }, '/body/symbols/0'],
    ['no interval', { symbols: ['AAPL'] }, '/body/interval'],
  ])('refuses %s with 400 before any stream opens', async (_case, body, pointer) => {
    const response = await fetch(`${demo().url}/prices/stream`, { method: 'POST', headers: json, body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await response.json();
    expect(problem.status).toBe(400);
    expect(problem.errors.map((error: { pointer: string }) => error.pointer)).toContain(pointer);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const response = await fetch(`${demo().url}/prices/stream`, { method: 'POST', headers: json, body: '{symbols:' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
