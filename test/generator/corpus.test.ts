/**
 * Every spec of the corpus (`test/generator/corpus/`) does what its leading comments say:
 * `# expect: ok` specs generate, type-check with their scaffolded handlers, reject the stated
 * payloads and serve valid mock events over a real socket; `# expect: error` specs exit 1 with
 * located messages, no stack trace, and leave the output folders as they were.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleSynthesizer } from '../../generator/emit/examples.js';
import { loadSpec } from '../../generator/load/load.js';
import { buildModel } from '../../generator/model/model.js';
import type { EndpointSpec, ServiceSpec, Validator } from '../../runtime/index.js';
import { EventReader } from '../demo/sse.js';
import { listen } from '../listen.js';
import { corpusSpecs, typeAssertions, type CorpusSpec } from './corpus.js';
import { generate, removeDir, scratchDir, snapshot, typecheck, type CliRun } from './helpers.js';
import { typeAgreement } from './type-agreement.js';
import { authenticateAnyCredentials, pathWithParams } from './mock-requests.js';

const SPECS = corpusSpecs();
const ACCEPTED = SPECS.filter((s) => s.expect === 'ok');
const REFUSED = SPECS.filter((s) => s.expect === 'error');

/** Events read per stream: enough to see several event types without waiting long (stubs send one a second). */
const EVENTS_PER_STREAM = 3;

/** A line of a Node stack trace. */
const STACK_FRAME = /^\s+at .+[(:]\d+/m;

interface Generated {
  run: CliRun;
  out: string;
  handlers: string;
  /** Files under out and handlers before the run (only error specs get some). */
  before?: Record<string, string>;
}

describe('generator spec corpus', () => {
  const generated = new Map<string, Generated>();
  let root: string;

  beforeAll(async () => {
    root = scratchDir('corpus');
    for (const spec of SPECS) {
      const dir = path.join(root, spec.expect, spec.slug);
      const out = path.join(dir, 'generated');
      const handlers = path.join(dir, 'handlers');
      let before: Record<string, string> | undefined;
      if (spec.expect === 'error') {
        // Output of an earlier good run, which a failed run must leave alone.
        mkdirSync(out, { recursive: true });
        mkdirSync(handlers, { recursive: true });
        writeFileSync(path.join(out, 'server.ts'), '// an earlier run\n');
        writeFileSync(path.join(handlers, 'streamThings.ts'), '// the user\'s own handler\n');
        before = { ...snapshot(out), ...snapshot(handlers) };
      }
      const run = await generate('--spec', spec.file, '--out', out, '--handlers', handlers);
      generated.set(spec.slug, { run, out, handlers, before });
      if (spec.expect !== 'ok' || run.code !== 0) continue;
      const assertions = typeAssertions(spec, './generated');
      if (assertions) writeFileSync(path.join(dir, 'type-assertions.ts'), assertions);
      const { service } = await importServer(generated.get(spec.slug)!);
      const loaded = await loadSpec(spec.file);
      const { model } = buildModel(loaded.document, loaded.sources);
      writeFileSync(path.join(dir, 'type-agreement.ts'), typeAgreement(model, service, new ExampleSynthesizer(model.schemas), './generated'));
    }
  }, 300_000);

  afterAll(() => removeDir(root));

  it('lists specs of both kinds', () => {
    expect(ACCEPTED.length).toBeGreaterThan(0);
    expect(REFUSED.length).toBeGreaterThan(0);
  });

  // Also each spec's type-agreement.ts: its types and validators agree on every example and request (type-agreement.ts).
  it('type-checks the output of every accepted spec with its scaffolded handlers, stated types, and types agreeing with validators', async () => {
    const result = await typecheck([path.join(root, 'ok')]);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 120_000);

  describe.each(ACCEPTED)('$slug', (spec) => {
    it('generates (exit 0) with the stated warnings and no stack trace', () => {
      const { run } = generated.get(spec.slug)!;
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      const lines = run.stderr.split('\n');
      const diagnostics = lines.filter((line) => /^\S+:\d+:\d+ (warning|error) /.test(line));
      expect(diagnostics.filter((line, i) => diagnostics.indexOf(line) !== i), 'diagnostics printed twice').toEqual([]);
      for (const warning of spec.warnings) expect(lines.some((line) => warning.test(line)), `${warning} in:\n${run.stderr}`).toBe(true);
      expect(run.stderr, 'the newer-version advice is a note').not.toMatch(/warning .*\(asyncapi-latest-version\)/);
      const unexpected = lines.filter((line) => /no valid example/.test(line) && !spec.warnings.some((w) => w.test(line)));
      expect(unexpected, 'example notes no "# warn:" line expects').toEqual([]);
    });

    if (spec.declares.length > 0) {
      it('declares the stated types', () => {
        const lines = readFileSync(path.join(generated.get(spec.slug)!.out, 'types.ts'), 'utf8').split('\n');
        for (const declaration of spec.declares) expect(lines.some((line) => declaration.test(line)), `${declaration} in types.ts`).toBe(true);
      });
    }

    if (spec.rejects.length > 0) {
      it('rejects the stated payloads', async () => {
        const { service } = await importServer(generated.get(spec.slug)!);
        for (const { message, payload } of spec.rejects) {
          const validate = await validatorOf(spec, service, message);
          expect(validate(payload), `${message} accepted ${JSON.stringify(payload)}`).toBe(false);
        }
      });
    }

    it('serves its mock: every stream sends events that pass their validators', async () => {
      const output = generated.get(spec.slug)!;
      const { service, createApp } = await importServer(output);
      const { default: handlerMap } = (await import(path.join(output.handlers, 'index.ts'))) as { default: object };
      const loaded = await loadSpec(spec.file);
      const { model } = buildModel(loaded.document, loaded.sources);
      const examples = new ExampleSynthesizer(model.schemas);
      const server = await listen(createApp(handlerMap, { authenticate: authenticateAnyCredentials(model) }));
      try {
        for (const op of model.operations) {
          if (op.kind !== 'stream') continue;
          const endpoint = service.endpoints.find((e) => e.operationId === op.operationId);
          if (endpoint?.kind !== 'stream') throw new Error(`no stream endpoint for ${op.operationId}`);
          const body = op.bodyType ? JSON.stringify(examples.forType(op.bodyType)) : undefined;
          const query = op.queryType ? `?${new URLSearchParams(examples.forType(op.queryType) as Record<string, string>)}` : '';
          const reader = await EventReader.open(server.url + pathWithParams(op, examples) + query, {
            method: op.method,
            headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
            body,
          });
          try {
            expect(reader.response.status, `${op.operationId}: ${reader.response.status}`).toBe(200);
            const unsent = op.events.filter((e) => output.run.stderr.includes(`operation "${op.operationId}": no valid example could be synthesized for event "${e.key}"`));
            if (unsent.length === op.events.length) continue;
            const events = await reader.take(Math.min(op.events.length - unsent.length, EVENTS_PER_STREAM));
            for (const event of events) {
              expect(event.event, `${op.operationId} sent an error event: ${event.data}`).not.toBe('error');
              const declared = Object.values(endpoint.events).find((e) => e.sseEvent === (event.event ?? null));
              expect(declared, `${op.operationId}: unexpected event ${event.event}`).toBeDefined();
              const data = declared!.contentType === 'application/json' ? JSON.parse(event.data) : event.data;
              expect(declared!.validate!(data), `${op.operationId} ${event.event}: ${JSON.stringify(declared!.validate!.errors)}`).toBe(true);
            }
          } finally {
            reader.close();
          }
        }
      } finally {
        await server.close();
      }
    });
  });

  describe.each(REFUSED)('$slug', (spec) => {
    it('fails (exit 1) with the stated located errors, no stack trace, output untouched', () => {
      const { run, out, handlers, before } = generated.get(spec.slug)!;
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      const lines = run.stderr.split('\n');
      for (const error of spec.errors) {
        const line = lines.find((l) => error.test(l));
        expect(line, `${error} in:\n${run.stderr}`).toBeDefined();
        expect(line).toMatch(/^\S+:\d+:\d+ /);
      }
      if (spec.first) expect(lines[0], run.stderr).toMatch(spec.first);
      expect({ ...snapshot(out), ...snapshot(handlers) }).toEqual(before);
    });
  });
});

async function importServer(output: Generated) {
  return (await import(path.join(output.out, 'server.ts'))) as {
    service: ServiceSpec;
    createApp: (handlers: object, options?: object) => import('express').Express;
  };
}

/**
 * The validator the generated service applies to a message: the event's for a stream, the
 * request body's for a receive operation, the reply's for a message of its reply (or reply channel).
 */
async function validatorOf(spec: CorpusSpec, service: ServiceSpec, messageName: string): Promise<Validator> {
  const { document } = await loadSpec(spec.file);
  const named = (m: { id(): string; name(): string | undefined }) => m.id() === messageName || m.name() === messageName;
  for (const operation of document.operations()) {
    const reply = operation.reply();
    const replyMessages = [...(reply?.messages().all() ?? []), ...(reply?.channel()?.messages().all() ?? [])];
    const replyEndpoint = service.endpoints.find((e) => e.operationId === operation.id());
    if (replyMessages.some(named) && replyEndpoint?.kind === 'receive' && replyEndpoint.reply) return replyEndpoint.reply;
    const message = operation.messages().all().find(named);
    const endpoint: EndpointSpec | undefined = service.endpoints.find((e) => e.operationId === operation.id());
    if (!message || !endpoint) continue;
    if (endpoint.kind === 'receive' && endpoint.body) return endpoint.body;
    const wireName = message.name() ?? message.id();
    const event = endpoint.kind === 'stream' ? endpoint.events[wireName === 'message' ? message.id() : wireName] : undefined;
    if (event?.validate) return event.validate;
  }
  throw new Error(`${spec.file}: no served operation validates message "${messageName}"`);
}
