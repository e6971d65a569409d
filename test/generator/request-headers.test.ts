/** Headers a receive operation's messages declare are checked on every POST, whatever their case on the wire. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Running } from '../listen.js';
import { removeDir, servedScratchProject, type Project } from './helpers.js';

const SPEC = `asyncapi: 3.0.0
info:
  title: Orders
  version: 1.0.0
channels:
  orders:
    address: /orders
    messages:
      order:
        headers:
          type: object
          additionalProperties: false
          required: [Idempotency-Key]
          properties:
            Idempotency-Key: { type: string, minLength: 8 }
            X-Priority: { type: integer, minimum: 1, maximum: 5 }
        payload:
          type: object
          required: [quantity]
          properties:
            quantity: { type: integer }
operations:
  placeOrder:
    action: receive
    channel:
      $ref: '#/channels/orders'
`;

let project: Project;
let server: Running;

beforeAll(async () => {
  ({ project, server } = await servedScratchProject('headers', SPEC));
}, 60_000);

afterAll(async () => {
  await server?.close();
  removeDir(project.dir);
});

function post(headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"quantity":2}' });
}

describe('request headers declared on a receive message', () => {
  it('accepts a request carrying them, in any case, next to headers the spec does not name', async () => {
    expect((await post({ 'IDEMPOTENCY-KEY': 'order-0001', 'x-priority': '5', 'x-trace': 'abc' })).status).toBe(202);
  });

  it('answers 400 naming a missing required header', async () => {
    const response = await post({});
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await response.json()).errors).toEqual([{ pointer: '/headers/idempotency-key', message: "must have required property 'idempotency-key'" }]);
  });

  it('lets the generated client send them per call', async () => {
    type Client = { placeOrder(request: { body: { quantity: number }; headers: Record<string, unknown> }): Promise<unknown> };
    const { createClient } = (await import(path.join(project.out, 'client', 'index.ts'))) as { createClient(options: { baseUrl: string }): Client };
    const client = createClient({ baseUrl: server.url });
    await expect(client.placeOrder({ body: { quantity: 2 }, headers: { 'idempotency-key': 'order-0001', 'x-priority': 2 } })).resolves.toBeUndefined();
    await expect(client.placeOrder({ body: { quantity: 2 }, headers: { 'x-priority': 2 } })).rejects.toMatchObject({ status: 400 });
  });

  it('gives the handler the headers as validated, converted to their declared types', async () => {
    type PlaceOrder = (context: { headers: { 'idempotency-key': string; 'x-priority'?: number } }) => { status: number; body: unknown };
    const { createApp } = (await import(path.join(project.out, 'server.ts'))) as { createApp: (handlers: { placeOrder: PlaceOrder }) => import('express').Express };
    const echo = await listen(createApp({ placeOrder: ({ headers }) => ({ status: 200, body: { key: headers['idempotency-key'], priority: headers['x-priority'] } }) }));
    try {
      const response = await fetch(`${echo.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': 'order-0001', 'X-Priority': '3' }, body: '{"quantity":2}' });
      expect(await response.json()).toEqual({ key: 'order-0001', priority: 3 });
    } finally {
      await echo.close();
    }
  });

  it('answers 400 naming a header that breaks its schema', async () => {
    const response = await post({ 'idempotency-key': 'order-0001', 'x-priority': '9' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('/headers/x-priority');
  });
});
