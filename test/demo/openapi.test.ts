import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@stoplight/yaml';
import { expect, it } from 'vitest';
import { toOpenApi } from '../../demo/openapi.js';
import { EXAMPLES, describeExamples } from '../generator/shared-examples.js';

type Json = Record<string, any>;

function example(name: string): Json {
  return parse(readFileSync(path.join(EXAMPLES, name), 'utf8')) as Json;
}

describeExamples('toOpenApi', () => {
  it('describes an HTTP streaming operation of a real AsyncAPI document as text/event-stream', () => {
    const openapi = toOpenApi(example('gitter-streaming-asyncapi.yml')) as Json;
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.info).toEqual({ title: 'Gitter Streaming API', version: '1.0.0' });
    expect(openapi.servers).toEqual([{ url: 'https://stream.gitter.im/v1' }]);
    expect(openapi.components.securitySchemes).toEqual({ httpBearerToken: { type: 'http', scheme: 'bearer' } });

    const operation = openapi.paths['/rooms/{roomId}/{resource}'].post;
    expect(operation.operationId).toBe('sendRoomInfo');
    expect(operation.security).toEqual([{ httpBearerToken: [] }]);
    expect(operation.parameters).toEqual([
      { name: 'roomId', in: 'path', required: true, schema: { type: 'string' }, description: 'Id of the Gitter room.' },
      { name: 'resource', in: 'path', required: true, schema: { type: 'string', enum: ['chatMessages', 'events'] }, description: 'The resource to consume.' },
    ]);
    expect(Object.keys(operation.responses)).toEqual(['200', '400', '401', '403']);
    const events = operation.responses['200'].content['text/event-stream'].schema.oneOf;
    expect(events.map((event: Json) => event.title)).toEqual(['chatMessage', 'heartbeat']);
    expect(events[0].properties.event).toEqual({ const: 'chatMessage' });
    expect(events[0].properties.data.properties.fromUser.properties.avatarUrl).toEqual({
      type: 'string', format: 'uri', description: 'User avatar URI.',
    });
    expect(events[1].properties.data).toEqual({ type: 'string', enum: ['\r\n'] });
  });

  it('maps query bindings, POST stream bodies, receive operations and data-only events', () => {
    const openapi = toOpenApi({
      asyncapi: '3.0.0',
      info: { title: 'Demo', version: '1.0.0' },
      servers: { local: { host: 'localhost:3000', protocol: 'http' } },
      channels: {
        logs: { address: '/logs/stream', messages: { message: { $ref: '#/components/messages/line' } } },
        notes: { address: '/notes', messages: { note: { payload: { $ref: '#/components/schemas/Note' } } } },
      },
      operations: {
        streamLogs: {
          action: 'send',
          channel: { $ref: '#/channels/logs' },
          bindings: { http: { method: 'POST', query: { type: 'object', required: ['level'], properties: { level: { type: 'string' } } } } },
          'x-sse-body': { type: 'object', properties: { service: { type: 'string' } } },
          'x-sse-max-connections-per-identity': 5,
        },
        postNote: { action: 'receive', channel: { $ref: '#/channels/notes' }, security: [{ $ref: '#/components/securitySchemes/token' }] },
      },
      components: {
        schemas: { Note: { type: 'object', properties: { text: { type: 'string' } } } },
        messages: { line: { name: 'message', payload: { type: 'string' } } },
        securitySchemes: { token: { type: 'httpApiKey', name: 'X-Token', in: 'header', scopes: ['notes:write'] } },
      },
    }) as Json;
    expect(openapi.servers).toEqual([{ url: 'http://localhost:3000' }]);

    const logs = openapi.paths['/logs/stream'].post;
    expect(logs.parameters).toEqual([{ name: 'level', in: 'query', required: true, schema: { type: 'string' } }]);
    expect(logs.requestBody.content['application/json'].schema).toEqual({ type: 'object', properties: { service: { type: 'string' } } });
    expect(logs.security).toBeUndefined();
    expect(Object.keys(logs.responses)).toEqual(['200', '400', '429']);
    const [line] = logs.responses['200'].content['text/event-stream'].schema.oneOf;
    expect(line).toEqual({ title: 'message', type: 'object', required: ['data'], properties: { id: { type: 'string' }, data: { type: 'string' } } });

    const notes = openapi.paths['/notes'].post;
    expect(notes.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Note' });
    expect(notes.security).toEqual([{ token: ['notes:write'] }]);
    expect(Object.keys(notes.responses)).toEqual(['202', '400', '401', '403']);
    expect(openapi.components.schemas.Note).toEqual({ type: 'object', properties: { text: { type: 'string' } } });
    expect(openapi.components.securitySchemes.token).toEqual({ type: 'apiKey', name: 'X-Token', in: 'header' });
  });
});
