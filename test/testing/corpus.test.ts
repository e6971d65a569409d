/**
 * `asyncapi-sse/testing` on a corpus spec (a receive operation with a reply, and a stream),
 * generated into a scratch folder: the typed test compiles (and a wrong event name does not),
 * and runs over real sockets.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientOptions, Subscription } from 'asyncapi-sse/client';
import { expectProblem, openTestService } from 'asyncapi-sse/testing';
import { CORPUS } from '../generator/corpus.js';
import { generate, removeDir, scratchProject, typecheck, type Project } from '../generator/helpers.js';

/** A contract test of the Tickets spec as a user writes it, against the generated modules. */
const TYPED_TEST = `
import { openTestService } from 'asyncapi-sse/testing';
import { createApp, service, type Handlers } from './generated/server.js';
import { createClient, type Receipt } from './generated/client/index.js';

declare const handlers: Handlers;
const t = await openTestService({ service, createApp, createClient, handlers });
const tickets = await t.open.streamTickets();
const receipt: Receipt = await t.post.openTicket({ body: { subject: 'printer' } });
const received: Receipt = await tickets.next('receipt');
// @ts-expect-error the Tickets stream has no event "goal"
await tickets.next('goal');
// @ts-expect-error the body needs a subject
await t.post.openTicket({ body: {} });
// @ts-expect-error openTicket is a call, not a stream
await t.open.openTicket();
export { receipt, received };
`;

/** The generated client's shape, written out: the module is generated while the suite runs. */
interface TicketsClient {
  streamTickets(): Subscription<{ receipt: unknown }>;
  openTicket(request: { body: unknown }): Promise<unknown>;
}

describe('a test of a corpus spec (receive-reply.yaml)', () => {
  let project: Project;
  beforeAll(async () => {
    project = scratchProject('testing-corpus', readFileSync(path.join(CORPUS, 'receive-reply.yaml'), 'utf8'));
    const run = await generate(...project.args);
    expect(run.code, run.stderr).toBe(0);
  }, 60_000);
  afterAll(() => removeDir(project.dir));

  it('types streams and calls from the generated client', async () => {
    writeFileSync(path.join(project.dir, 'contract.ts'), TYPED_TEST);
    const result = await typecheck([project.dir]);
    expect(result.output).toBe('');
  }, 60_000);

  it('streams and posts over real sockets, and checks the reply against its schema', async () => {
    const { createApp, service } = await import(path.join(project.out, 'server.js'));
    const { createClient }: { createClient: (options: ClientOptions) => TicketsClient } = await import(path.join(project.out, 'client/index.js'));
    let reply: unknown = { ticketId: '6f0f3b1e-7f3a-4c1e-9d8e-0a1b2c3d4e5f', queued: true };
    const handlers = {
      streamTickets: async (stream: { closed: Promise<void> }) => stream.closed,
      openTicket: ({ connections }: { connections: { streamTickets: { broadcast(event: string, data: unknown): void } } }) => {
        connections.streamTickets.broadcast('receipt', reply);
        return { body: reply };
      },
    };
    const t = await openTestService({ service, createApp, createClient, handlers });
    try {
      const tickets = await t.open.streamTickets();
      expect(await t.post.openTicket({ body: { subject: 'printer' } })).toEqual(reply);
      expect(await tickets.next('receipt')).toEqual(reply);
      await expectProblem(t.post.openTicket({ body: {} }), { status: 400, pointer: '/body/subject' });

      reply = { ticketId: 'not-a-uuid', queued: true };
      await expect(t.post.openTicket({ body: { subject: 'printer' } })).rejects.toThrow(
        'openTicket: the reply does not match its schema: /ticketId must match format "uuid"\n  reply: {"ticketId":"not-a-uuid","queued":true}',
      );
      await expect(tickets.next('receipt')).rejects.toThrow(/^streamTickets: waiting for event "receipt", got event "receipt" that does not match its schema: \/ticketId must match format "uuid"/);
    } finally {
      await t.close();
    }
  });
});
