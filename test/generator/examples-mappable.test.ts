/**
 * Shared examples with SSE-mappable operations: the generated code type-checks and, served with
 * its scaffolded mock handlers, streams schema-valid events to a real SSE client and accepts
 * valid POSTs.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleSynthesizer } from '../../generator/emit/examples.js';
import { loadSpec } from '../../generator/load/load.js';
import { buildModel, type SseModel } from '../../generator/model/model.js';
import type { ServiceSpec, StreamEndpointSpec } from '../../runtime/index.js';
import { EventReader } from '../demo/sse.js';
import { listen } from '../listen.js';
import { generate, removeDir, scratchDir, typecheck } from './helpers.js';
import { authenticateAnyCredentials, pathWithParams } from './mock-requests.js';
import { EXAMPLES, MAPPABLE, describeExamples } from './shared-examples.js';

/** Operations whose document secures them (on the operation, or on the HTTP server). */
const SECURED = ['sendRoomInfo', 'receiveOutgoingMessage', 'sendMessages', 'sendAuthRevoke'];

describeExamples('documents with SSE-mappable operations', () => {
  const generated = new Map<string, { out: string; handlers: string; model: SseModel }>();
  /** What generate printed per document: a body no value satisfies is noted there (oneof-asyncapi.yml has one). */
  const notes = new Map<string, string>();
  let root: string;

  beforeAll(async () => {
    root = scratchDir('examples');
    for (const file of MAPPABLE) {
      const spec = path.join(EXAMPLES, file);
      const dir = path.join(root, path.basename(file, '.yml'));
      const run = await generate('--spec', spec, '--out', path.join(dir, 'generated'), '--handlers', path.join(dir, 'handlers'));
      expect(run.code, run.stderr).toBe(0);
      notes.set(file, run.stderr);
      const loaded = await loadSpec(spec);
      generated.set(file, { out: path.join(dir, 'generated'), handlers: path.join(dir, 'handlers'), model: buildModel(loaded.document, loaded.sources).model });
    }
  }, 60_000);

  afterAll(() => removeDir(root));

  it('type-checks the generated code and the scaffolded handlers', async () => {
    const result = await typecheck([root]);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);

  it.each(MAPPABLE)('%s: the mock server streams valid events, accepts valid POSTs and guards secured operations', async (file) => {
    const { out, handlers, model } = generated.get(file)!;
    const { createApp, service } = (await import(path.join(out, 'server.ts'))) as {
      createApp: (handlers: object, options?: object) => import('express').Express;
      service: ServiceSpec;
    };
    const { default: handlerMap } = (await import(path.join(handlers, 'index.ts'))) as { default: object };
    const server = await listen(createApp(handlerMap, { authenticate: authenticateAnyCredentials(model) }));
    const base = server.url;
    const examples = new ExampleSynthesizer(model.schemas);
    try {
      for (const op of model.operations) {
        const url = base + pathWithParams(op, examples);
        const headers = { authorization: 'Bearer test', 'content-type': 'application/json' };
        const body = op.method === 'POST' ? JSON.stringify(op.bodyType ? examples.forType(op.bodyType) : {}) : undefined;
        const anonymous = new AbortController();
        const withoutCredentials = await fetch(url, { method: op.method, headers: { 'content-type': 'application/json' }, body, signal: anonymous.signal });
        anonymous.abort();
        expect(withoutCredentials.status === 401, `${op.operationId} answers ${withoutCredentials.status} without credentials`).toBe(
          SECURED.includes(op.operationId),
        );
        if (op.kind === 'receive') {
          const response = await fetch(url, { method: 'POST', headers, body });
          const satisfiable = !notes.get(file)!.includes(`operation "${op.operationId}": no valid example body`);
          expect(response.status, `${op.operationId}: ${await response.text()}`).toBe(satisfiable ? 202 : 400);
          continue;
        }
        const endpoint = service.endpoints.find((e) => e.operationId === op.operationId) as StreamEndpointSpec;
        const reader = await EventReader.open(url, { method: op.method, headers, body });
        try {
          expect(reader.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
          const [event] = await reader.take(1);
          const spec = Object.values(endpoint.events).find((e) => e.sseEvent === (event!.event ?? null))!;
          expect(spec, `${op.operationId}: unexpected event ${event!.event}`).toBeDefined();
          const data = spec.contentType === 'application/json' ? JSON.parse(event!.data) : event!.data;
          expect(spec.validate!(data), JSON.stringify(spec.validate!.errors)).toBe(true);
        } finally {
          reader.close();
        }
      }
    } finally {
      await server.close();
    }
  });
});
