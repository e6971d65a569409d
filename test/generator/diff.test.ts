/**
 * `diff old.yaml new.yaml`: each kind of change that breaks a shipped client exits 1 and is
 * reported at its `file:line:col` (the new spec's, or the old one's for what was removed);
 * additions clients do not notice exit 0; bad usage exits 2.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDiff } from '../../generator/diff.js';
import { removeDir, scratchDir, shown, type CliRun } from './helpers.js';

const OLD = `asyncapi: 3.0.0
info:
  title: Shop
  version: 1.0.0
servers:
  api:
    host: shop.example.com
    protocol: https
channels:
  orders:
    address: /shops/{shop}/orders
    parameters:
      shop:
        enum: [north, south]
    messages:
      created:
        $ref: '#/components/messages/created'
      cancelled:
        $ref: '#/components/messages/cancelled'
  inbox:
    address: /orders
    messages:
      order:
        $ref: '#/components/messages/order'
operations:
  streamOrders:
    action: send
    channel:
      $ref: '#/channels/orders'
    bindings:
      http:
        query:
          type: object
          properties:
            since:
              type: string
    messages:
      - $ref: '#/channels/orders/messages/created'
      - $ref: '#/channels/orders/messages/cancelled'
  placeOrder:
    action: receive
    channel:
      $ref: '#/channels/inbox'
    security:
      - $ref: '#/components/securitySchemes/token'
    messages:
      - $ref: '#/channels/inbox/messages/order'
components:
  securitySchemes:
    token:
      type: http
      scheme: bearer
  messages:
    created:
      name: created
      payload:
        $ref: '#/components/schemas/Order'
    cancelled:
      name: cancelled
      payload:
        type: object
        properties:
          id:
            type: string
    order:
      payload:
        $ref: '#/components/schemas/OrderInput'
  schemas:
    Order:
      type: object
      required: [id, status]
      properties:
        id:
          type: string
        status:
          type: string
          enum: [open, shipped]
        total:
          type: number
    OrderInput:
      type: object
      required: [item]
      properties:
        item:
          type: string
        quantity:
          type: integer
        size:
          type: string
          enum: [s, m, l]
`;

const root = scratchDir('diff');
afterAll(() => removeDir(root));
let runs = 0;

interface DiffRun extends CliRun {
  oldFile: string;
  newFile: string;
}

async function diff(newText: string, oldText = OLD): Promise<DiffRun> {
  const dir = path.join(root, String(runs++));
  const oldFile = path.join(`${dir}-old.yaml`);
  const newFile = path.join(`${dir}-new.yaml`);
  writeFileSync(oldFile, oldText);
  writeFileSync(newFile, newText);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runDiff([oldFile, newFile], { out: (line) => stdout.push(line), err: (line) => stderr.push(line) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), oldFile, newFile };
}

/** `line:col` of `key` on the first line holding it after the line holding `after` (1-based). */
function keyPosition(text: string, key: string, after = ''): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes(after));
  const index = lines.findIndex((line, i) => i >= start && line.includes(key));
  expect(index, `${key} after ${after}`).toBeGreaterThanOrEqual(0);
  return `${index + 1}:${lines[index]!.indexOf(key) + 1}`;
}

function replaceOnce(text: string, from: string, to: string): string {
  expect(text, from).toContain(from);
  return text.replace(from, to);
}

/** Expects exit 1 with exactly one breaking change, of this code, at this place. */
function expectBreaking(run: DiffRun, code: string, file: string, at: string): void {
  expect(run.code, run.stdout + run.stderr).toBe(1);
  const lines = run.stdout.split('\n').filter((line) => / breaking .*\(/.test(line));
  expect(lines, run.stdout).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${escape(`${shown(file)}:${at} breaking `)}.*\\(${code}\\)$`));
  expect(run.stdout).toMatch(/^1 breaking change$/m);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('breaking changes', () => {
  it('a removed operation, where the old spec declared it', async () => {
    const text = replaceOnce(OLD, `  placeOrder:
    action: receive
    channel:
      $ref: '#/channels/inbox'
    security:
      - $ref: '#/components/securitySchemes/token'
    messages:
      - $ref: '#/channels/inbox/messages/order'
`, '');
    const run = await diff(text);
    expectBreaking(run, 'removed-operation', run.oldFile, keyPosition(OLD, 'placeOrder:', 'operations:'));
    expect(run.stdout).toContain('operation "placeOrder" removed');
  });

  it('a removed event, where the old operation listed it', async () => {
    const text = replaceOnce(OLD, `      - $ref: '#/channels/orders/messages/cancelled'\n`, '');
    const run = await diff(text);
    expectBreaking(run, 'removed-event', run.oldFile, keyPosition(OLD, "$ref: '#/channels/orders/messages/cancelled'", 'streamOrders:'));
    expect(run.stdout).toContain('event "cancelled" removed');
  });

  it('a removed payload field', async () => {
    const text = replaceOnce(OLD, `        total:\n          type: number\n`, '');
    const run = await diff(text);
    expectBreaking(run, 'removed-field', run.oldFile, keyPosition(OLD, 'total:'));
    expect(run.stdout).toContain('field "total" removed');
  });

  it('a field a request must now carry', async () => {
    const text = replaceOnce(OLD, 'required: [item]', 'required: [item, quantity]');
    const run = await diff(text);
    expectBreaking(run, 'newly-required-field', run.newFile, keyPosition(text, 'quantity:', 'OrderInput:'));
  });

  it('a narrowed request field type', async () => {
    const text = replaceOnce(OLD, `        quantity:\n          type: integer`, `        quantity:\n          type: string`);
    const run = await diff(text);
    expectBreaking(run, 'narrowed-type', run.newFile, keyPosition(text, 'type:', 'quantity:'));
    expect(run.stdout).toContain('type no longer accepts integer');
  });

  it('a narrowed request enum', async () => {
    const text = replaceOnce(OLD, 'enum: [s, m, l]', 'enum: [s, m]');
    const run = await diff(text);
    expectBreaking(run, 'narrowed-enum', run.newFile, keyPosition(text, 'enum: [s, m]'));
    expect(run.stdout).toContain('"l" no longer accepted');
  });

  it('an event enum with a value old clients do not know', async () => {
    const text = replaceOnce(OLD, 'enum: [open, shipped]', 'enum: [open, shipped, returned]');
    const run = await diff(text);
    expectBreaking(run, 'widened-enum', run.newFile, keyPosition(text, 'enum: [open, shipped, returned]'));
  });

  it('a changed path', async () => {
    const text = replaceOnce(OLD, 'address: /shops/{shop}/orders', 'address: /shops/{shop}/order-events');
    const run = await diff(text);
    expectBreaking(run, 'changed-path', run.newFile, keyPosition(text, 'address: /shops'));
    expect(run.stdout).toContain('path changed from /shops/{shop}/orders to /shops/{shop}/order-events');
  });

  it('a changed method', async () => {
    const text = replaceOnce(OLD, `      http:\n        query:`, `      http:\n        method: POST\n        query:`);
    const run = await diff(text);
    expectBreaking(run, 'changed-method', run.newFile, keyPosition(text, 'method: POST'));
  });

  it('a changed path parameter', async () => {
    const text = replaceOnce(OLD, 'enum: [north, south]', 'enum: [north]');
    const run = await diff(text);
    expectBreaking(run, 'narrowed-enum', run.newFile, keyPosition(text, 'enum: [north]'));
    expect(run.stdout).toContain('parameter "shop"');
  });

  it('a new required request input', async () => {
    const text = replaceOnce(OLD, `      $ref: '#/channels/inbox'\n`, `      $ref: '#/channels/inbox'
    bindings:
      http:
        query:
          type: object
          required: [coupon]
          properties:
            coupon:
              type: string
`);
    const run = await diff(text);
    expectBreaking(run, 'new-required-input', run.newFile, keyPosition(text, 'query:', "$ref: '#/channels/inbox'"));
    expect(run.stdout).toContain('new required query input "coupon"');
  });

  it('tightened security', async () => {
    const text = replaceOnce(OLD, `      $ref: '#/channels/orders'\n`, `      $ref: '#/channels/orders'
    security:
      - $ref: '#/components/securitySchemes/token'
`);
    const run = await diff(text);
    expectBreaking(run, 'tightened-security', run.newFile, keyPosition(text, 'security:', "$ref: '#/channels/orders'"));
  });

  it('a changed server host, as @asyncapi/diff classifies it', async () => {
    const text = replaceOnce(OLD, 'host: shop.example.com', 'host: api.shop.example.com');
    const run = await diff(text);
    expectBreaking(run, 'asyncapi-diff', run.newFile, keyPosition(text, 'host:'));
    expect(run.stdout).toContain('/servers/api/host changed');
  });
});

describe('changes shipped clients do not notice', () => {
  it('a new optional request field, a new event and a new operation exit 0', async () => {
    let text = replaceOnce(OLD, `        size:\n`, `        note:\n          type: string\n        size:\n`);
    text = replaceOnce(text, `      cancelled:\n        $ref: '#/components/messages/cancelled'\n`, `      cancelled:
        $ref: '#/components/messages/cancelled'
      shipped:
        name: shipped
        payload:
          type: object
          required: [id]
          properties:
            id:
              type: string
`);
    text = replaceOnce(text, `      - $ref: '#/channels/orders/messages/cancelled'\n`, `      - $ref: '#/channels/orders/messages/cancelled'
      - $ref: '#/channels/orders/messages/shipped'
`);
    text = replaceOnce(text, 'operations:\n', `operations:
  streamAllOrders:
    action: send
    channel:
      $ref: '#/channels/everything'
`);
    text = replaceOnce(text, 'channels:\n', `channels:
  everything:
    address: /orders/stream
    messages:
      created:
        $ref: '#/components/messages/created'
`);
    const run = await diff(text);
    expect(run.stdout).toBe('no breaking changes');
    expect(run.code).toBe(0);
  });

  it('an unchanged spec exits 0', async () => {
    const run = await diff(OLD);
    expect(run.code).toBe(0);
  });
});

describe('usage', () => {
  it('exits 2 without two spec files, or when one does not load', async () => {
    const lines: string[] = [];
    const output = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    expect(await runDiff(['only-one.yaml'], output)).toBe(2);
    expect(lines.join('\n')).toContain('usage: diff old.yaml new.yaml');
    const broken = await diff(OLD.replace('action: receive', 'action: listen'));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`^${escape(shown(broken.newFile))}:\\d+:\\d+ error `, 'm'));
  });
});
