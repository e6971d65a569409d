/**
 * The SSE model → an OpenAPI 3.2 document (`openapi.json`): every operation the generated server
 * serves, at the same path and method, each stream's `text/event-stream` described item by item
 * (`itemSchema`), and the problem+json responses the runtime answers with.
 */
import { definitionRef, isObject, type JsonSchema, type NamedSchema } from '../model/schemas.js';
import type { EventModel, OperationModel, SecuritySchemeModel, SseModel, StreamOperation } from '../model/model.js';

export type OpenApiDocument = Record<string, unknown>;
type Json = Record<string, unknown>;

const DEFINITIONS = '#/definitions/';
const COMPONENT_SCHEMAS = '#/components/schemas/';

/** The refusals the runtime answers with, as `components.responses` entries. */
const PROBLEM_RESPONSES = {
  '400': { name: 'BadRequest', description: 'The request does not match the spec (the problem lists each violation)' },
  '401': { name: 'Unauthorized', description: 'No valid credentials' },
  '403': { name: 'Forbidden', description: 'The credentials lack a required role or scope' },
  '404': { name: 'NotFound', description: 'Nothing exists at this path' },
  '429': { name: 'TooManyRequests', description: 'The caller already holds its share of streams on this endpoint; see Retry-After' },
} as const;
type ProblemStatus = keyof typeof PROBLEM_RESPONSES;

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
      items: { type: 'object', required: ['pointer', 'message'], properties: { pointer: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

export function printOpenApi(model: SseModel): OpenApiDocument {
  const printer = new OpenApiPrinter(model);
  const paths: Record<string, Json> = {};
  for (const op of model.operations) {
    paths[op.specPath] = { ...paths[op.specPath], [op.method.toLowerCase()]: printer.operation(op) };
  }
  const info: Json = { title: model.title, version: model.version };
  if (model.description) info.description = model.description;
  const servers = printer.servers();
  return {
    openapi: '3.2.0',
    info,
    ...(servers.length > 0 ? { servers } : {}),
    paths,
    components: {
      schemas: Object.fromEntries(model.schemas.map(({ name, schema }) => [name, componentRefs(schema)])),
      responses: Object.fromEntries(
        Object.values(PROBLEM_RESPONSES).map(({ name, description }) => [
          name,
          { description, content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } } },
        ]),
      ),
      ...(printer.schemes.size > 0 ? { securitySchemes: Object.fromEntries(printer.schemes) } : {}),
    },
  };
}

class OpenApiPrinter {
  /** Security schemes the operations use, by name. */
  readonly schemes = new Map<string, Json>();
  private readonly schemas: Map<string, JsonSchema>;
  private readonly document: Json;

  constructor(model: SseModel) {
    this.schemas = new Map(model.schemas.map(({ name, schema }: NamedSchema) => [name, schema]));
    this.document = isObject(model.document) ? model.document : {};
  }

  operation(op: OperationModel): Json {
    const parameters = [...this.pathParameters(op), ...this.objectParameters(op.queryType, 'query')];
    if (op.kind === 'receive') parameters.push(...this.objectParameters(op.headersType, 'header'));
    if (op.kind === 'stream' && op.replay) parameters.push(lastEventIdParameter(op));
    const requestBody = this.requestBody(op);
    const refusals: ProblemStatus[] = [];
    if (parameters.length > 0 || requestBody) refusals.push('400');
    if (op.security.length > 0) refusals.push('401', '403');
    if (op.paramNames.length > 0) refusals.push('404');
    if (op.kind === 'stream' && op.maxConnectionsPerIdentity !== undefined) refusals.push('429');
    const printed: Json = { operationId: op.operationId };
    if (op.summary) printed.summary = op.summary;
    if (parameters.length > 0) printed.parameters = parameters;
    if (requestBody) printed.requestBody = requestBody;
    if (op.security.length > 0) printed.security = this.security(op);
    printed.responses = {
      ...(op.kind === 'stream' ? { '200': streamResponse(op) } : { '202': receiveResponse(op.replyType) }),
      ...Object.fromEntries(refusals.map((status) => [status, { $ref: `#/components/responses/${PROBLEM_RESPONSES[status].name}` }])),
    };
    return printed;
  }

  servers(): Json[] {
    return Object.values(asObject(this.document.servers))
      .map(asObject)
      .filter((server) => server.protocol === 'http' || server.protocol === 'https')
      .map((server) => ({
        url: `${String(server.protocol)}://${String(server.host)}${typeof server.pathname === 'string' ? server.pathname : ''}`,
        ...(typeof server.description === 'string' ? { description: server.description } : {}),
      }));
  }

  private pathParameters(op: OperationModel): Json[] {
    const properties = asObject(asObject(this.resolve(op.paramsType)).properties);
    return op.paramNames.map((name) => {
      const { description, ...schema } = asObject(properties[name]);
      return { name, in: 'path', required: true, ...(typeof description === 'string' ? { description } : {}), schema };
    });
  }

  /** One parameter per property of an object schema (a query string or request headers). */
  private objectParameters(typeName: string | undefined, location: 'query' | 'header'): Json[] {
    if (!typeName) return [];
    const alternatives = this.alternatives(this.resolve(typeName));
    const requiredInAll = (name: string) => alternatives.every((schema) => asArray(schema.required).includes(name));
    const properties = new Map<string, unknown>();
    for (const schema of alternatives) {
      for (const [name, property] of Object.entries(asObject(schema.properties))) if (!properties.has(name)) properties.set(name, property);
    }
    return [...properties].map(([name, property]) => {
      const description = asObject(this.resolve(property)).description;
      return {
        name,
        in: location,
        required: requiredInAll(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: componentRefs(property as JsonSchema),
      };
    });
  }

  /** The object schemas a request part may match (`anyOf` lists alternatives). */
  private alternatives(schema: JsonSchema): Json[] {
    const object = asObject(schema);
    if (Array.isArray(object.anyOf)) return object.anyOf.map((branch) => asObject(this.resolve(branch)));
    return [object];
  }

  private requestBody(op: OperationModel): Json | undefined {
    if (!op.bodyType) return undefined;
    const mediaType = op.kind === 'receive' ? op.contentType : 'application/json';
    return { required: true, content: { [mediaType]: { schema: componentRef(op.bodyType) } } };
  }

  private security(op: OperationModel): Json[] {
    return op.security.map((requirement) =>
      Object.fromEntries(
        requirement.schemes.map((scheme) => {
          this.schemes.set(scheme.name, this.securityScheme(scheme));
          return [scheme.name, requirement.scopes];
        }),
      ),
    );
  }

  private securityScheme(scheme: SecuritySchemeModel): Json {
    const declared = asObject(asObject(asObject(this.document.components).securitySchemes)[scheme.name]);
    const description = typeof declared.description === 'string' ? { description: declared.description } : {};
    switch (scheme.type) {
      case 'http':
        return { type: 'http', scheme: scheme.scheme ?? 'bearer', ...(typeof declared.bearerFormat === 'string' ? { bearerFormat: declared.bearerFormat } : {}), ...description };
      case 'httpApiKey':
        return { type: 'apiKey', name: scheme.paramName, in: scheme.in, ...description };
      case 'oauth2':
        return { type: 'oauth2', flows: mapValues(asObject(declared.flows), oauthFlow), ...description };
      case 'openIdConnect':
        return { type: 'openIdConnect', openIdConnectUrl: declared.openIdConnectUrl, ...description };
      case 'userPassword':
        return { type: 'http', scheme: 'basic', ...description };
      default:
        // AsyncAPI schemes HTTP cannot carry (X509, symmetric encryption, ...) keep their name and say what they were.
        return { type: 'http', scheme: 'bearer', description: `AsyncAPI security scheme of type ${scheme.type}` };
    }
  }

  /** A schema with a reference to a named schema followed. */
  private resolve(schema: unknown): JsonSchema {
    if (typeof schema === 'string') return this.resolve(definitionRef(schema));
    const ref = asObject(schema).$ref;
    if (typeof ref === 'string' && ref.startsWith(DEFINITIONS)) return this.resolve(this.schemas.get(ref.slice(DEFINITIONS.length)));
    return (schema ?? {}) as JsonSchema;
  }
}

/**
 * One `itemSchema` branch per event, with the fields an SSE parser yields: `event` (absent for
 * data-only events), `id`, `retry` and `data`, the payload as text (JSON unless the message says
 * `text/*`).
 */
function streamResponse(op: StreamOperation): Json {
  const items = op.events.map((event) => eventItem(event));
  return {
    description: 'An event stream',
    content: { 'text/event-stream': { itemSchema: items.length === 1 ? items[0] : { oneOf: items } } },
  };
}

function eventItem(event: EventModel): Json {
  const data =
    event.contentType === 'application/json'
      ? { type: 'string', contentMediaType: 'application/json', contentSchema: componentRef(event.typeName) }
      : componentRef(event.typeName);
  return {
    title: event.key,
    ...(event.summary ? { description: event.summary } : {}),
    type: 'object',
    required: event.sseEvent === null ? ['data'] : ['event', 'data'],
    properties: {
      // A data-only event arrives as the default type, `message`.
      event: { const: event.sseEvent ?? 'message' },
      id: { type: 'string' },
      retry: { type: 'integer', minimum: 0 },
      data,
    },
  };
}

function receiveResponse(replyType: string | undefined): Json {
  if (!replyType) return { description: 'Accepted' };
  return { description: 'Accepted; the reply', content: { 'application/json': { schema: componentRef(replyType) } } };
}

function lastEventIdParameter(op: StreamOperation): Json {
  const seconds = Math.round((op.replay?.ttlMs ?? 0) / 1000);
  return {
    name: 'Last-Event-ID',
    in: 'header',
    required: false,
    description: `Id of the last event received; the events after it (up to ${op.replay?.maxEvents}, kept ${seconds} s) are replayed first.`,
    schema: { type: 'string' },
  };
}

function componentRef(name: string): Json {
  return { $ref: `${COMPONENT_SCHEMAS}${name}` };
}

/** A model schema with its `#/definitions/` references pointing at `components.schemas`. */
function componentRefs(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema), (key, value) =>
    key === '$ref' && typeof value === 'string' && value.startsWith(DEFINITIONS) ? `${COMPONENT_SCHEMAS}${value.slice(DEFINITIONS.length)}` : value,
  ) as JsonSchema;
}

/** AsyncAPI names a flow's scopes `availableScopes`; OpenAPI names them `scopes`. */
function oauthFlow(flow: unknown): Json {
  const { availableScopes, ...rest } = asObject(flow);
  return { ...rest, scopes: availableScopes ?? {} };
}

function mapValues(source: Json, map: (value: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(source).map(([key, value]) => [key, map(value)]));
}

function asObject(value: unknown): Json {
  return isObject(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
