/**
 * An OpenAPI 3.1 view of the HTTP endpoints an AsyncAPI 3.0 document describes, so REST tooling
 * sees them: each `send` operation on an HTTP path becomes an operation answering
 * `text/event-stream` (its schema lists the events as `{event, id, data}` objects), each `receive`
 * operation a JSON POST answering 202.
 *
 * Works on a document with local `$ref`s or on a fully dereferenced one (the bundled
 * `asyncapi.json`): component schemas stay `$ref`s to `#/components/schemas/*` (the pointer is the
 * same in both formats), and inlined copies of a component are recognised by their content.
 */
type Json = Record<string, unknown>;

/** Extension carrying the JSON request body schema of a POST stream. */
const BODY_EXTENSION = 'x-sse-body';
const LIMIT_EXTENSION = 'x-sse-max-connections-per-identity';
const SCHEMA_REF = /^#\/components\/schemas\/([^/]+)$/;

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

export function toOpenApi(asyncapi: Json): Json {
  const document = new AsyncApiDocument(asyncapi);
  const components = asObject(document.resolve(asyncapi.components));
  const servers = Object.values(asObject(asyncapi.servers)).map((raw) => asObject(document.resolve(raw)));
  const serverSecurity = servers.flatMap((server) => asArray(server.security));
  const paths: Record<string, Json> = {};
  for (const [operationId, raw] of Object.entries(asObject(asyncapi.operations))) {
    const operation = asObject(document.resolve(raw));
    const channel = asObject(document.resolve(operation.channel));
    if (typeof channel.address !== 'string' || !channel.address.startsWith('/')) continue;
    const http = asObject(asObject(operation.bindings).http);
    const method = operation.action === 'receive' ? 'post' : String(http.method ?? 'GET').toLowerCase();
    const security = operation.security === undefined ? serverSecurity : asArray(operation.security);
    paths[channel.address] = { ...paths[channel.address], [method]: toOperation(document, operationId, operation, channel, http, security) };
  }
  return {
    openapi: '3.1.0',
    info: pick(asObject(asyncapi.info), ['title', 'version', 'description']),
    servers: servers.map(toServer),
    paths,
    components: {
      schemas: mapValues(asObject(components.schemas), (schema) => document.schema(schema, true)),
      securitySchemes: mapValues(asObject(components.securitySchemes), (scheme) => toSecurityScheme(asObject(document.resolve(scheme)))),
      responses: {
        Problem: {
          description: 'The request was refused (RFC 9457 problem details)',
          content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
        },
      },
    },
  };
}

/** Reference resolution and component lookup over one AsyncAPI document. */
class AsyncApiDocument {
  /** Component key by the JSON text of its content, per component kind. */
  private readonly byContent = new Map<string, Map<string, string>>();

  constructor(private readonly root: Json) {
    const components = asObject(root.components);
    for (const kind of ['schemas', 'securitySchemes']) {
      const entries = Object.entries(asObject(components[kind])).map(([name, value]) => [JSON.stringify(value), name] as const);
      this.byContent.set(kind, new Map(entries));
    }
  }

  /** Follows local `$ref`s (`#/a/b`). */
  resolve(node: unknown): unknown {
    if (!isObject(node) || typeof node.$ref !== 'string') return node;
    const target = node.$ref
      .slice(2)
      .split('/')
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((at, segment) => (isObject(at) ? at[segment] : undefined), this.root);
    return this.resolve(target);
  }

  /** The component key of `node` (a reference to it, or an inlined copy of it). */
  componentName(kind: 'schemas' | 'securitySchemes', node: unknown): string | undefined {
    if (isObject(node) && typeof node.$ref === 'string') return node.$ref.slice(node.$ref.lastIndexOf('/') + 1);
    return this.byContent.get(kind)?.get(JSON.stringify(node));
  }

  /**
   * A copy of a schema with component schemas as `$ref`s and every other local reference
   * inlined; `isComponent` keeps the top level itself expanded.
   */
  schema(node: unknown, isComponent = false, seen = new Set<string>()): unknown {
    if (Array.isArray(node)) return node.map((item) => this.schema(item, false, seen));
    if (!isObject(node)) return node;
    const name = isComponent ? undefined : this.componentName('schemas', node);
    if (name !== undefined && (typeof node.$ref !== 'string' || SCHEMA_REF.test(node.$ref))) return { $ref: `#/components/schemas/${name}` };
    if (typeof node.$ref === 'string') {
      if (seen.has(node.$ref)) return { $ref: node.$ref };
      return this.schema(this.resolve(node), false, new Set(seen).add(node.$ref));
    }
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key]) => !key.startsWith('x-parser-'))
        .map(([key, value]) => [key, this.schema(value, false, seen)]),
    );
  }
}

/** `security`: AsyncAPI security schemes, any one of which admits a request. */
function toOperation(document: AsyncApiDocument, operationId: string, operation: Json, channel: Json, http: Json, security: unknown[]): Json {
  const parameters = [
    ...Object.entries(asObject(channel.parameters)).map(([name, raw]) => toPathParameter(name, asObject(document.resolve(raw)))),
    ...toQueryParameters(document.schema(document.resolve(http.query), true)),
  ];
  const requirements = security.map((raw) => {
    const name = document.componentName('securitySchemes', raw) ?? 'unnamed';
    return { [name]: asArray(asObject(document.resolve(raw)).scopes) };
  });
  const receive = operation.action === 'receive';
  const requestBody = receive ? messagesSchema(document, operation, channel) : document.schema(operation[BODY_EXTENSION]);
  const refusals = [
    parameters.length > 0 || requestBody !== undefined ? ['400'] : [],
    requirements.length > 0 ? ['401', '403'] : [],
    operation[LIMIT_EXTENSION] !== undefined ? ['429'] : [],
  ].flat();
  const success = receive
    ? { '202': { description: 'Accepted' } }
    : { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: eventsSchema(document, operation, channel) } } } };
  return {
    operationId,
    ...pick(operation, ['summary', 'description']),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requirements.length > 0 ? { security: requirements } : {}),
    ...(requestBody !== undefined ? { requestBody: { required: true, content: { 'application/json': { schema: requestBody } } } } : {}),
    responses: {
      ...success,
      ...Object.fromEntries(refusals.map((status) => [status, { $ref: '#/components/responses/Problem' }])),
    },
  };
}

/** The events a stream sends, each as `{event, id, data}`; a data-only event (named `message`) has no `event`. */
function eventsSchema(document: AsyncApiDocument, operation: Json, channel: Json): Json {
  const events = messages(document, operation, channel).map(({ key, message }) => {
    const name = typeof message.name === 'string' ? message.name : key;
    const properties: Json = { id: { type: 'string' }, data: payloadSchema(document, message) };
    if (name !== 'message') properties.event = { const: name };
    return { title: name, type: 'object', required: name === 'message' ? ['data'] : ['event', 'data'], properties };
  });
  return { description: 'Server-Sent Events; each event is shown as its fields', oneOf: events };
}

function messagesSchema(document: AsyncApiDocument, operation: Json, channel: Json): unknown {
  const payloads = messages(document, operation, channel).map(({ message }) => payloadSchema(document, message));
  return payloads.length <= 1 ? payloads[0] : { oneOf: payloads };
}

/** The operation's messages (all of its channel's when it lists none), with their keys in the channel. */
function messages(document: AsyncApiDocument, operation: Json, channel: Json): { key: string; message: Json }[] {
  const inChannel = Object.entries(asObject(channel.messages)).map(([key, raw]) => ({ key, message: asObject(document.resolve(raw)) }));
  const listed = asArray(operation.messages).map((raw) => asObject(document.resolve(raw)));
  if (listed.length === 0) return inChannel;
  const keyOf = new Map(inChannel.map(({ key, message }) => [JSON.stringify(message), key]));
  return listed.map((message) => ({ key: keyOf.get(JSON.stringify(message)) ?? String(message.name ?? ''), message }));
}

/** A payload is a schema, or a `{schemaFormat, schema}` wrapper around one. */
function payloadSchema(document: AsyncApiDocument, message: Json): unknown {
  const payload = asObject(document.resolve(message.payload));
  return document.schema('schemaFormat' in payload ? payload.schema : message.payload) ?? {};
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
      return { type: 'oauth2', flows: mapValues(asObject(scheme.flows), toOAuthFlow), ...pick(scheme, ['description']) };
    case 'openIdConnect':
      return pick(scheme, ['type', 'openIdConnectUrl', 'description']);
    default:
      return { type: 'http', scheme: 'bearer', description: `AsyncAPI scheme ${String(scheme.type)}` };
  }
}

/** AsyncAPI names a flow's scopes `availableScopes`; OpenAPI names them `scopes`. */
function toOAuthFlow(flow: unknown): Json {
  const { availableScopes, ...rest } = asObject(flow);
  return { ...rest, scopes: availableScopes ?? {} };
}

function toServer(server: Json): Json {
  const protocol = server.protocol === 'https' ? 'https' : 'http';
  return { url: `${protocol}://${String(server.host ?? 'localhost')}${String(server.pathname ?? '')}`, ...pick(server, ['description']) };
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
