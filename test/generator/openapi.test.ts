/**
 * `openapi.json` (OpenAPI 3.2) and `openapi-3.1.json`, printed by the generator from the model the
 * server is built from: valid against the official schemas, and the same paths and methods the
 * generated router serves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, generate, removeDir, scratchProject, type Project } from './helpers.js';
import { EXAMPLES, describeExamples } from './shared-examples.js';

type Json = Record<string, any>;

function readJson(dir: string, file: string): Json {
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Json;
}

/** Errors of the official schema of the document's own version (3.2 or 3.1). */
async function schemaErrors(document: Json, version: '3.2' | '3.1'): Promise<unknown> {
  const validator = new Validator();
  const result = await validator.validate(document);
  expect(validator.version).toBe(version);
  return result.valid ? undefined : result.errors;
}

const GENERATED = path.join(REPO_ROOT, 'generated');

describe('the demo spec', () => {
  const openapi = readJson(GENERATED, 'openapi.json');
  const view = readJson(GENERATED, 'openapi-3.1.json');

  it('prints OpenAPI 3.2 that the official 3.2 schema accepts, and a 3.1 view the 3.1 schema accepts', async () => {
    expect(openapi.openapi).toBe('3.2.0');
    expect(await schemaErrors(openapi, '3.2')).toBeUndefined();
    expect(view.openapi).toBe('3.1.0');
    expect(await schemaErrors(view, '3.1')).toBeUndefined();
  });

  it('lists the operations the generated router serves, at the same methods and paths', () => {
    const served = readFileSync(path.join(GENERATED, 'server.ts'), 'utf8');
    const operations = Object.entries(openapi.paths).flatMap(([route, methods]) =>
      Object.entries(methods as Json).map(([method, operation]) => `${method.toUpperCase()} ${route} ${operation.operationId}`),
    );
    expect(operations.sort()).toEqual([
      'GET /admin/metrics/stream streamMetrics',
      'GET /channels/{channel}/stream streamChatRoom',
      'GET /logs/stream streamLogs',
      'GET /notifications/stream streamNotifications',
      'GET /prices/stream streamPrices',
      'GET /tasks/{taskId}/progress streamTaskProgress',
      'POST /channels/stream streamChatRooms',
      'POST /channels/{channel}/messages postChannelMessage',
      'POST /notifications createNotification',
      'POST /prices/stream streamSelectedPrices',
      'POST /tasks createTask',
    ]);
    for (const operation of operations) expect(served).toContain(operation.split(' ')[2]);
  });

  it('describes each event of a stream with itemSchema: event name, id, retry and JSON data', () => {
    const chat = openapi.paths['/channels/{channel}/stream'].get;
    const items = chat.responses['200'].content['text/event-stream'].itemSchema.oneOf;
    expect(items.map((item: Json) => [item.title, item.properties.event.const, item.required])).toEqual([
      ['join', 'join', ['event', 'data']],
      ['leave', 'leave', ['event', 'data']],
      ['message', 'message', ['data']],
      ['typing', 'typing', ['event', 'data']],
    ]);
    expect(items[0].properties.data).toEqual({ type: 'string', contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/Presence' } });
    expect(items[0].properties.retry).toEqual({ type: 'integer', minimum: 0 });
    expect(chat.parameters.map((p: Json) => `${p.in} ${p.name}`)).toEqual(['path channel', 'header Last-Event-ID']);
    expect(Object.keys(chat.responses)).toEqual(['200', '400', '401', '403', '404', '429']);
    expect(openapi.components.responses.TooManyRequests.content['application/problem+json'].schema.required).toEqual(['type', 'title', 'status']);
  });

  it('maps bodies, queries, replies and security as the server does', () => {
    expect(openapi.paths['/prices/stream'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PriceSelection' });
    expect(openapi.paths['/logs/stream'].get.parameters.map((p: Json) => `${p.in} ${p.name} ${p.required}`)).toEqual([
      'query level false',
      'query service false',
      'query follow false',
    ]);
    expect(openapi.paths['/tasks'].post.responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateTaskReply' });
    expect(openapi.components.schemas.CreateTaskReply).toEqual({ $ref: '#/components/schemas/TaskStarted' });
    expect(openapi.paths['/notifications/stream'].get.security).toEqual([{ notificationsRead: ['notifications:read'] }]);
    expect(openapi.components.securitySchemes.notificationsRead.flows.clientCredentials.scopes).toHaveProperty(['notifications:read']);
    expect(openapi.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('gives the 3.1 view each stream as the union of its payloads', () => {
    const chat = view.paths['/channels/{channel}/stream'].get.responses['200'].content['text/event-stream'];
    expect(chat).toEqual({
      schema: { oneOf: ['Presence', 'ChatMessage', 'Typing'].map((name) => ({ $ref: `#/components/schemas/${name}` })) },
    });
    expect(view.paths['/prices/stream'].get.responses['200'].content['text/event-stream']).toEqual({ schema: { $ref: '#/components/schemas/PriceUpdate' } });
  });
});

describe('paths and methods as the generated server serves them', () => {
  let project: Project;
  afterAll(() => removeDir(project.dir));

  it('maps a stream with x-sse-body and no method binding to POST, and an address without a leading / to its path', async () => {
    project = scratchProject('openapi', `asyncapi: 3.0.0
info:
  title: Logs
  version: 1.0.0
channels:
  logs:
    address: logs/stream
    messages:
      line:
        payload:
          type: string
operations:
  streamLogs:
    action: send
    channel:
      $ref: '#/channels/logs'
    x-sse-body:
      type: object
      properties:
        service:
          type: string
`);
    const run = await generate(...project.args);
    expect(run.code, run.stderr).toBe(0);
    const openapi = readJson(project.out, 'openapi.json');
    expect(Object.keys(openapi.paths)).toEqual(['/logs/stream']);
    expect(Object.keys(openapi.paths['/logs/stream'])).toEqual(['post']);
    expect(readFileSync(path.join(project.out, 'server.ts'), 'utf8')).toMatch(/method: 'POST',\s+path: '\/logs\/stream'/);
    expect(await schemaErrors(openapi, '3.2')).toBeUndefined();
  });
});

describeExamples('the Gitter streaming example', () => {
  let project: Project;
  afterAll(() => removeDir(project.dir));

  it('prints documents the official schemas accept', async () => {
    project = scratchProject('openapi-gitter', readFileSync(path.join(EXAMPLES, 'gitter-streaming-asyncapi.yml'), 'utf8'));
    const run = await generate(...project.args);
    expect(run.code, run.stderr).toBe(0);
    const openapi = readJson(project.out, 'openapi.json');
    expect(await schemaErrors(openapi, '3.2')).toBeUndefined();
    expect(await schemaErrors(readJson(project.out, 'openapi-3.1.json'), '3.1')).toBeUndefined();
    const operation = openapi.paths['/rooms/{roomId}/{resource}'].post;
    expect(operation.security).toEqual([{ httpBearerToken: [] }]);
    expect(operation.parameters.map((p: Json) => `${p.in} ${p.name} ${p.schema.type}`)).toEqual(['path roomId string', 'path resource string']);
    expect(operation.parameters[1].schema.enum).toEqual(['chatMessages', 'events']);
    expect(openapi.servers).toEqual([{ url: 'https://stream.gitter.im/v1' }]);
  });
});
