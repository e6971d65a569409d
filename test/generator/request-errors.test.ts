/**
 * A request that breaks several rules is answered with every problem of each part in one
 * problem+json (a user fixes them all at once), and an enum problem lists the allowed values.
 * A JSON body over 16 KiB keeps its first problem, said so in one more line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../listen.js';
import { removeDir, servedScratchProject, type Project } from './helpers.js';

const SPEC = `asyncapi: 3.0.0
info:
  title: Reports
  version: 1.0.0
channels:
  reports:
    address: /regions/{region}/reports
    parameters:
      region:
        enum: [north, south]
    messages:
      report:
        payload:
          type: object
          properties:
            id: { type: string }
  orders:
    address: /orders
    messages:
      order:
        headers:
          type: object
          required: [Idempotency-Key]
          properties:
            Idempotency-Key: { type: string, minLength: 8 }
            X-Priority: { type: integer, maximum: 5 }
        payload:
          type: object
          required: [quantity, size]
          properties:
            quantity: { type: integer, minimum: 1 }
            size: { type: string, enum: [s, m, l] }
            note: { type: string, maxLength: 10 }
  quotes:
    address: /quotes
    messages:
      quote:
        payload:
          type: object
          properties:
            price: { type: number }
operations:
  streamReports:
    action: send
    channel:
      $ref: '#/channels/reports'
    bindings:
      http:
        query:
          type: object
          additionalProperties: false
          required: [since]
          properties:
            since: { type: string, format: date }
            limit: { type: integer, minimum: 1, maximum: 100 }
            tag: { type: array, items: { type: integer } }
  placeOrder:
    action: receive
    channel:
      $ref: '#/channels/orders'
  streamQuotes:
    action: send
    channel:
      $ref: '#/channels/quotes'
    bindings:
      http:
        method: POST
    x-sse-body:
      type: object
      additionalProperties: false
      required: [symbols]
      properties:
        symbols: { type: array, minItems: 1, items: { type: string, pattern: '^[A-Z]+$' } }
        depth: { type: integer, minimum: 1 }
`;

let project: Project;
let server: Running;

beforeAll(async () => {
  ({ project, server } = await servedScratchProject('request-errors', SPEC));
}, 60_000);

afterAll(async () => {
  await server?.close();
  removeDir(project.dir);
});

interface Problem {
  status: number;
  errors: Array<{ pointer: string; message: string }>;
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Problem;
}

function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('a request breaking several rules', () => {
  it('lists every problem of the path and the query string, the enum with its allowed values', async () => {
    const response = await fetch(`${server.url}/regions/east/reports?since=yesterday&limit=500&tag=1&tag=x&extra=1`);
    const { errors } = await problemOf(response);
    expect(errors).toEqual(
      expect.arrayContaining([
        { pointer: '/params/region', message: 'must be equal to one of the allowed values: "north", "south"' },
        { pointer: '/query/since', message: 'must match format "date"' },
        { pointer: '/query/limit', message: 'must be <= 100' },
        { pointer: '/query/tag/1', message: 'must be integer' },
        { pointer: '/query/extra', message: 'must NOT have additional properties' },
      ]),
    );
    expect(errors).toHaveLength(5);
  });

  it('lists every problem of the headers, next to the first of the body', async () => {
    const response = await fetch(`${server.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-priority': '9' },
      body: JSON.stringify({ quantity: 2, size: 'xl' }),
    });
    const { errors } = await problemOf(response);
    expect(errors).toEqual([
      { pointer: '/headers/idempotency-key', message: "must have required property 'idempotency-key'" },
      { pointer: '/headers/x-priority', message: 'must be <= 5' },
      { pointer: '/body/size', message: 'must be equal to one of the allowed values: "s", "m", "l"' },
    ]);
  });

  it('lists every problem of a POST stream body', async () => {
    const response = await postJson('/quotes', { symbols: ['ACME', 'acme'], depth: 0, extra: true });
    const { errors } = await problemOf(response);
    expect(errors).toEqual(
      expect.arrayContaining([
        { pointer: '/body/symbols/1', message: 'must match pattern "^[A-Z]+$"' },
        { pointer: '/body/depth', message: 'must be >= 1' },
        { pointer: '/body/extra', message: 'must NOT have additional properties' },
      ]),
    );
    expect(errors).toHaveLength(3);
  });

  it('lists every problem of a receive body', async () => {
    const response = await postJson('/orders', { quantity: 0, size: 'xl', note: 'far too long a note' }, { 'idempotency-key': 'order-0001' });
    const { errors } = await problemOf(response);
    expect(errors).toEqual([
      { pointer: '/body/quantity', message: 'must be >= 1' },
      { pointer: '/body/size', message: 'must be equal to one of the allowed values: "s", "m", "l"' },
      { pointer: '/body/note', message: 'must NOT have more than 10 characters' },
    ]);
  });

  it('lists the first problems of a body that breaks one rule many times, and says how many more', async () => {
    const symbols = Array.from({ length: 300 }, () => 'x');
    const { errors } = await problemOf(await postJson('/quotes', { symbols }));
    expect(errors).toHaveLength(51);
    expect(errors.slice(0, 50).every((e) => /^\/body\/symbols\/\d+$/.test(e.pointer))).toBe(true);
    expect(errors[50]).toEqual({ pointer: '/body', message: '250 more problems not listed' });
  });

  it('answers a body over 16 KiB with its first problem and says only the first is listed', async () => {
    const symbols = Array.from({ length: 10_000 }, () => 1);
    const response = await postJson('/quotes', { symbols });
    const { errors } = await problemOf(response);
    expect(errors).toEqual([
      { pointer: '/body/symbols/0', message: 'must be string' },
      { pointer: '/body', message: 'only the first problem is listed for a body over 16384 bytes' },
    ]);
  });

  it('lists the first problems of a query string that breaks one rule many times, and says how many more', async () => {
    const tags = Array.from({ length: 300 }, () => 'tag=x').join('&');
    const { errors } = await problemOf(await fetch(`${server.url}/regions/north/reports?since=2024-01-01&${tags}`));
    expect(errors).toHaveLength(51);
    expect(errors.slice(0, 50).every((e) => /^\/query\/tag\/\d+$/.test(e.pointer) && e.message === 'must be integer')).toBe(true);
    expect(errors[50]).toEqual({ pointer: '/query', message: '250 more problems not listed' });
  });
});
