/**
 * An OpenAPI 3.1 view of the HTTP endpoints an AsyncAPI 3.0 document describes, so REST tooling
 * sees them: each `send` operation on an HTTP path becomes an operation answering
 * `text/event-stream` (its schema lists the events as `{event, id, data}` objects), each `receive`
 * operation a JSON POST answering 202. Schemas under `components.schemas` keep their `$ref`s, since
 * the pointer is the same in both formats; any other local reference is inlined.
 */
type Json = Record<string, unknown>;

/** Extension carrying the JSON request body schema of a POST stream. */
const BODY_EXTENSION = 'x-sse-body';
const LIMIT_EXTENSION = 'x-sse-max-connections-per-identity';
const KEPT_REF = /^#\/components\/schemas\/[^/]+$/;

export function toOpenApi(asyncapi: Json): Json {
  const resolve = resolver(asyncapi);
  const components = (resolve(asyncapi.components) ?? {}) as Json;
  const servers = Object.values(asObject(asyncapi.servers)).map((raw) => resolve(raw) as Json);
  const serverSecurity = servers.flatMap((server) => asArray(server.security));
  const paths: Record<string, Json> = {};
  for (const [operationId, raw] of Object.entries(asObject(asyncapi.operations))) {
    const operation = resolve(raw) as Json;
    const channel = resolve(operation.channel) as Json | undefined;
    const address = channel?.address;
    if (typeof address !== 'string' || !address.startsWith('/')) continue;
    const http = asObject(asObject(operation.bindings).http);
    const method = operation.action === 'receive' ? 'post' : String(http.method ?? 'GET').toLowerCase();
    const security = operation.security === undefined ? serverSecurity : asArray(operation.security);
    paths[address] = { ...paths[address], [method]: toOperation(operationId, operation, channel!, http, security, resolve) };
  }
  const securitySchemes = Object.fromEntries(
    Object.entries(asObject(components.securitySchemes)).map(([name, scheme]) => [name, toSecurityScheme(resolve(scheme) as Json)]),
  );
  return {
    openapi: '3.1.0',
    info: pick(asObject(asyncapi.info), ['title', 'version', 'description']),
    servers: servers.map(toServer),
    paths,
    components: {
      schemas: mapValues(asObject(components.schemas), (schema) => inline(schema, resolve)),
      securitySchemes,
      responses: {
        Problem: {
          description: 'The request was refused (RFC 9457 problem details)',
          content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
        },
      },
    },
  };
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { pointer: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

type Resolve = (node: unknown) => unknown;

/** `securityOptions`: AsyncAPI security scheme references, any one of which admits a request. */
function toOperation(operationId: string, operation: Json, channel: Json, http: Json, securityOptions: unknown[], resolve: Resolve): Json {
  const parameters = [
    ...Object.entries(asObject(channel.parameters)).map(([name, raw]) => toPathParameter(name, resolve(raw) as Json)),
    ...toQueryParameters(inline(http.query, resolve)),
  ];
  const security = securityOptions.map((raw) => {
    const name = schemeName(raw, resolve);
    return { [name]: asArray((resolve(raw) as Json).scopes) };
  });
  const requestBody = operation.action === 'receive' ? messagesSchema(operation, resolve) : inline(operation[BODY_EXTENSION], resolve);
  const refused = [
    parameters.length > 0 || requestBody !== undefined ? ['400'] : [],
    security.length > 0 ? ['401', '403'] : [],
    Object.keys(asObject(channel.parameters)).length > 0 ? ['404'] : [],
    operation[LIMIT_EXTENSION] !== undefined ? ['429'] : [],
  ].flat();
  const result: Json = {
    operationId,
    ...pick(operation, ['summary', 'description']),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(security.length > 0 ? { security } : {}),
    ...(requestBody !== undefined
      ? { requestBody: { required: true, content: { 'application/json': { schema: requestBody } } } }
      : {}),
    responses: {
      ...(operation.action === 'receive'
        ? { '202': { description: 'Accepted' } }
        : { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: eventsSchema(operation, resolve) } } } }),
      ...Object.fromEntries(refused.map((status) => [status, { $ref: '#/components/responses/Problem' }])),
    },
  };
  return result;
}

/** The events a stream sends, each as `{event, id, data}`; a data-only event has no `event` member. */
function eventsSchema(operation: Json, resolve: Resolve): Json {
  const events = messages(operation, resolve).map(({ key, message }) => {
    const name = typeof message.name === 'string' ? message.name : key;
    const properties: Json = { id: { type: 'string' }, data: payloadOf(message, resolve) };
    if (name !== 'message') properties.event = { const: name };
    return { title: name, type: 'object', required: name === 'message' ? ['data'] : ['event', 'data'], properties };
  });
  return { description: 'Server-Sent Events; each event is shown as its fields', oneOf: events };
}

function messagesSchema(operation: Json, resolve: Resolve): unknown {
  const payloads = messages(operation, resolve).map(({ message }) => payloadOf(message, resolve));
  if (payloads.length <= 1) return payloads[0];
  return { oneOf: payloads };
}

function messages(operation: Json, resolve: Resolve): { key: string; message: Json }[] {
  const channel = resolve(operation.channel) as Json;
  const listed = asArray(operation.messages);
  const refs = listed.length > 0 ? listed : Object.values(asObject(channel.messages));
  return refs.map((raw) => ({ key: lastSegment(raw), message: resolve(raw) as Json }));
}

/** A payload is a schema, or a `{schemaFormat, schema}` wrapper around one. */
function payloadOf(message: Json, resolve: Resolve): unknown {
  const payload = resolve(message.payload);
  const schema = isObject(payload) && 'schemaFormat' in payload ? payload.schema : message.payload;
  return inline(schema, resolve) ?? {};
}

function toPathParameter(name: string, parameter: Json): Json {
  const schema: Json = { type: 'string' };
  if (Array.isArray(parameter.enum)) schema.enum = parameter.enum;
  if (parameter.default !== undefined) schema.default = parameter.default;
  return { name, in: 'path', required: true, schema, ...pick(parameter, ['description']) };
}

function toQueryParameters(query: unknown): Json[] {
  if (!isObject(query)) return [];
  const required = asArray(query.required);
  return Object.entries(asObject(query.properties)).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    schema,
    ...pick(asObject(schema), ['description']),
  }));
}

function toSecurityScheme(scheme: Json): Json {
  switch (scheme.type) {
    case 'http':
      return pick(scheme, ['type', 'scheme', 'bearerFormat', 'description']);
    case 'httpApiKey':
      return { type: 'apiKey', name: scheme.name, in: scheme.in, ...pick(scheme, ['description']) };
    case 'oauth2':
      return pick(scheme, ['type', 'flows', 'description']);
    case 'openIdConnect':
      return pick(scheme, ['type', 'openIdConnectUrl', 'description']);
    default:
      return { type: 'http', scheme: 'bearer', description: `AsyncAPI scheme ${String(scheme.type)}` };
  }
}

function toServer(server: Json): Json {
  const protocol = server.protocol === 'https' ? 'https' : 'http';
  const url = `${protocol}://${String(server.host ?? 'localhost')}${String(server.pathname ?? '')}`;
  return { url, ...pick(server, ['description']) };
}

function schemeName(raw: unknown, resolve: Resolve): string {
  if (isObject(raw) && typeof raw.$ref === 'string') return lastSegment(raw);
  const scheme = resolve(raw) as Json;
  return typeof scheme.name === 'string' ? scheme.name : String(scheme.type);
}

/** Follows local `$ref`s (`#/a/b`) in `document`. */
function resolver(document: Json): Resolve {
  const resolve: Resolve = (node) => {
    if (!isObject(node) || typeof node.$ref !== 'string') return node;
    const target = node.$ref
      .slice(2)
      .split('/')
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((at, segment) => (isObject(at) ? at[segment] : undefined), document);
    return resolve(target);
  };
  return resolve;
}

/** A copy of `node` with every local reference inlined except those naming a component schema. */
function inline(node: unknown, resolve: Resolve, seen = new Set<string>()): unknown {
  if (Array.isArray(node)) return node.map((item) => inline(item, resolve, seen));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (KEPT_REF.test(ref) || seen.has(ref)) return { $ref: ref };
    return inline(resolve(node), resolve, new Set(seen).add(ref));
  }
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => !key.startsWith('x-parser-'))
      .map(([key, value]) => [key, inline(value, resolve, seen)]),
  );
}

function lastSegment(node: unknown): string {
  const ref = isObject(node) && typeof node.$ref === 'string' ? node.$ref : '';
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function pick(source: Json, keys: string[]): Json {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

function mapValues(source: Json, map: (value: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(source).map(([key, value]) => [key, map(value)]));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Json {
  return isObject(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
