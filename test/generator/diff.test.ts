/**
 * `diff old.yaml new.yaml`: each kind of change that breaks a shipped client exits 1 and is
 * reported at its `file:line:col` (the new spec's, or the old one's for what was removed);
 * additions clients do not notice exit 0; bad usage exits 2.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDiff } from '../../generator/commands/diff.js';
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
        additionalProperties: false
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
          pattern: '^o-'
        status:
          type: string
          enum: [open, shipped]
        total:
          type: number
          minimum: 0
    OrderInput:
      type: object
      required: [item]
      properties:
        item:
          type: string
          maxLength: 40
        quantity:
          type: integer
          minimum: 1
          maximum: 100
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

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface BreakingCase {
  kind: string;
  /** The edit turning the old spec into the new one. */
  from: string;
  to: string;
  code: string;
  /** Where the change is reported: in the old spec (removals) or the new one, at `key` on the first line holding it after `after`. */
  side: 'old' | 'new';
  key: string;
  after?: string;
  says: string;
}

const BREAKING: BreakingCase[] = [
  {
    kind: 'a removed operation, where the old spec declared it',
    from: `  placeOrder:
    action: receive
    channel:
      $ref: '#/channels/inbox'
    security:
      - $ref: '#/components/securitySchemes/token'
    messages:
      - $ref: '#/channels/inbox/messages/order'
`,
    to: '',
    code: 'removed-operation',
    side: 'old',
    key: 'placeOrder:',
    after: 'operations:',
    says: 'operation "placeOrder" removed',
  },
  {
    kind: 'a removed event, where the old operation listed it',
    from: `      - $ref: '#/channels/orders/messages/cancelled'\n`,
    to: '',
    code: 'removed-event',
    side: 'old',
    key: "$ref: '#/channels/orders/messages/cancelled'",
    after: 'streamOrders:',
    says: 'event "cancelled" removed',
  },
  { kind: 'a removed payload field', from: `        total:\n          type: number\n          minimum: 0\n`, to: '', code: 'removed-field', side: 'old', key: 'total:', says: 'field "total" removed' },
  {
    kind: 'a field a request must now carry',
    from: 'required: [item]',
    to: 'required: [item, quantity]',
    code: 'newly-required-field',
    side: 'new',
    key: 'quantity:',
    after: 'OrderInput:',
    says: 'field "quantity" is now required',
  },
  {
    kind: 'a narrowed request field type',
    from: `        quantity:\n          type: integer`,
    to: `        quantity:\n          type: string`,
    code: 'narrowed-type',
    side: 'new',
    key: 'type:',
    after: 'quantity:',
    says: 'type no longer accepts integer',
  },
  { kind: 'a narrowed request enum', from: 'enum: [s, m, l]', to: 'enum: [s, m]', code: 'narrowed-enum', side: 'new', key: 'enum: [s, m]', says: '"l" no longer accepted' },
  {
    kind: 'an event enum with a value old clients do not know',
    from: 'enum: [open, shipped]',
    to: 'enum: [open, shipped, returned]',
    code: 'widened-enum',
    side: 'new',
    key: 'enum: [open, shipped, returned]',
    says: 'may now be "returned"',
  },
  {
    kind: 'a changed path',
    from: 'address: /shops/{shop}/orders',
    to: 'address: /shops/{shop}/order-events',
    code: 'changed-path',
    side: 'new',
    key: 'address: /shops',
    says: 'path changed from /shops/{shop}/orders to /shops/{shop}/order-events',
  },
  {
    kind: 'a changed method',
    from: `      http:\n        query:`,
    to: `      http:\n        method: POST\n        query:`,
    code: 'changed-method',
    side: 'new',
    key: 'method: POST',
    says: 'method changed from GET to POST',
  },
  { kind: 'a changed path parameter', from: 'enum: [north, south]', to: 'enum: [north]', code: 'narrowed-enum', side: 'new', key: 'enum: [north]', says: 'parameter "shop": "south" no longer accepted' },
  {
    kind: 'a new required request input',
    from: `      $ref: '#/channels/inbox'\n`,
    to: `      $ref: '#/channels/inbox'
    bindings:
      http:
        query:
          type: object
          required: [coupon]
          properties:
            coupon:
              type: string
`,
    code: 'new-required-input',
    side: 'new',
    key: 'query:',
    after: "$ref: '#/channels/inbox'",
    says: 'new required query input "coupon"',
  },
  {
    kind: 'tightened security',
    from: `      $ref: '#/channels/orders'\n`,
    to: `      $ref: '#/channels/orders'
    security:
      - $ref: '#/components/securitySchemes/token'
`,
    code: 'tightened-security',
    side: 'new',
    key: 'security:',
    after: "$ref: '#/channels/orders'",
    says: 'security tightened',
  },
  {
    kind: 'a field added to an event whose payload lists all it may carry',
    from: `          id:\n            type: string\n    order:`,
    to: `          id:\n            type: string\n          reason:\n            type: string\n    order:`,
    code: 'added-field',
    side: 'new',
    key: 'reason:',
    says: 'event "cancelled" payload: field "reason" added; old clients refuse the event',
  },
  {
    kind: 'an event payload no longer closed',
    from: `        additionalProperties: false\n`,
    to: '',
    code: 'opened-object',
    side: 'old',
    key: 'additionalProperties: false',
    says: 'may now carry fields not listed',
  },
  { kind: 'a raised request minimum', from: 'minimum: 1\n', to: 'minimum: 2\n', code: 'narrowed-constraint', side: 'new', key: 'minimum: 2', says: 'message "order" payload: minimum raised from 1 to 2' },
  { kind: 'a lowered request maximum', from: 'maximum: 100', to: 'maximum: 50', code: 'narrowed-constraint', side: 'new', key: 'maximum: 50', says: 'maximum lowered from 100 to 50' },
  { kind: 'a lowered request maxLength', from: 'maxLength: 40', to: 'maxLength: 20', code: 'narrowed-constraint', side: 'new', key: 'maxLength: 20', says: 'maxLength lowered from 40 to 20' },
  {
    kind: 'a new request pattern',
    from: 'maxLength: 40\n',
    to: "maxLength: 40\n          pattern: '^[a-z]+'\n",
    code: 'narrowed-constraint',
    side: 'new',
    key: 'pattern:',
    after: 'item:',
    says: 'now has pattern /^[a-z]+/',
  },
  {
    kind: 'a closed request body',
    from: `      required: [item]\n`,
    to: `      required: [item]\n      additionalProperties: false\n`,
    code: 'closed-object',
    side: 'new',
    key: 'additionalProperties: false',
    after: 'OrderInput:',
    says: 'fields not listed are refused now',
  },
  { kind: 'a lowered event minimum', from: 'minimum: 0', to: 'minimum: -100', code: 'widened-constraint', side: 'new', key: 'minimum: -100', says: 'event "created" payload: minimum lowered from 0 to -100' },
  { kind: 'a removed event pattern', from: `          pattern: '^o-'\n`, to: '', code: 'widened-constraint', side: 'old', key: "pattern: '^o-'", says: 'no longer has pattern /^o-/' },
  { kind: 'a changed event pattern', from: `pattern: '^o-'`, to: `pattern: '^order-'`, code: 'widened-constraint', side: 'new', key: "pattern: '^order-'", says: 'pattern changed from /^o-/ to /^order-/' },
  {
    kind: 'a changed server host, as @asyncapi/diff classifies it',
    from: 'host: shop.example.com',
    to: 'host: api.shop.example.com',
    code: 'asyncapi-diff',
    side: 'new',
    key: 'host:',
    says: '/servers/api/host changed',
  },
];

describe('breaking changes', () => {
  it.each(BREAKING)('$kind', async ({ from, to, code, side, key, after, says }) => {
    const text = replaceOnce(OLD, from, to);
    const run = await diff(text);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const lines = run.stdout.split('\n').filter((line) => / breaking .*\(/.test(line));
    expect(lines, run.stdout).toHaveLength(1);
    const [file, written] = side === 'old' ? [run.oldFile, OLD] : [run.newFile, text];
    expect(lines[0]).toMatch(new RegExp(`^${escape(`${shown(file)}:${keyPosition(written, key, after)} breaking `)}.*${escape(says)}.*\\(${code}\\)$`));
    expect(run.stdout).toMatch(/^1 breaking change$/m);
  });
});

/** Edits (pairs of from → to) that clients built from the old spec do not notice. */
const NOT_BREAKING: Array<{ kind: string; edits: Array<[string, string]> }> = [
  { kind: 'a new optional request field', edits: [[`        size:\n`, `        note:\n          type: string\n        size:\n`]] },
  { kind: 'a new optional event field', edits: [[`        total:\n`, `        currency:\n          type: string\n        total:\n`]] },
  {
    kind: 'a new event',
    edits: [
      [`      cancelled:\n        $ref: '#/components/messages/cancelled'\n`, `      cancelled:
        $ref: '#/components/messages/cancelled'
      shipped:
        name: shipped
        payload:
          type: object
          required: [id]
          properties:
            id:
              type: string
`],
      [`      - $ref: '#/channels/orders/messages/cancelled'\n`, `      - $ref: '#/channels/orders/messages/cancelled'\n      - $ref: '#/channels/orders/messages/shipped'\n`],
    ],
  },
  {
    kind: 'a new operation',
    edits: [
      ['operations:\n', `operations:\n  streamAllOrders:\n    action: send\n    channel:\n      $ref: '#/channels/everything'\n`],
      ['channels:\n', `channels:\n  everything:\n    address: /orders/stream\n    messages:\n      created:\n        $ref: '#/components/messages/created'\n`],
    ],
  },
  { kind: 'looser request bounds', edits: [['minimum: 1\n', 'minimum: 0\n'], ['maximum: 100', 'maximum: 1000'], ['          maxLength: 40\n', '']] },
  { kind: 'tighter event constraints', edits: [['minimum: 0', 'minimum: 1'], [`pattern: '^o-'`, `pattern: '^o-'\n          maxLength: 64`]] },
  { kind: 'a field added to an event payload that is not closed', edits: [[`          enum: [open, shipped]\n`, `          enum: [open, shipped]\n        note:\n          type: string\n`]] },
  { kind: 'no change at all', edits: [] },
];

describe('changes shipped clients do not notice', () => {
  it.each(NOT_BREAKING)('$kind exits 0', async ({ edits }) => {
    const text = edits.reduce((current, [from, to]) => replaceOnce(current, from, to), OLD);
    const run = await diff(text);
    expect(run.stdout).toBe('no breaking changes');
    expect(run.code).toBe(0);
  });
});

describe('usage', () => {
  it('exits 2 without two spec files, or when one does not load', async () => {
    const lines: string[] = [];
    const output = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    expect(await runDiff(['only-one.yaml'], output)).toBe(2);
    expect(lines.join('\n')).toContain('usage: asyncapi-sse diff old.yaml new.yaml');
    const broken = await diff(OLD.replace('action: receive', 'action: listen'));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`^${escape(shown(broken.newFile))}:\\d+:\\d+ error `, 'm'));
  });
});
