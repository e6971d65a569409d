/**
 * Stage 2: the parser's document → a plain SSE model (the SSE profile of AsyncAPI 3.0).
 * Nothing from the parser's API leaves this module.
 */
import type {
  AsyncAPIDocumentInterface,
  ChannelInterface,
  MessageInterface,
  OperationInterface,
  SecurityRequirementsInterface,
} from '@asyncapi/parser';
import { SpecError, hasErrors, unsupportedVersionMessage, type Diagnostic } from '../diagnostics.js';
import { STREAM_ONLY, checkExtensions, extensionValueProblem, isKnownExtension, type SseExtension } from './extensions.js';
import { ignoredConstructs } from './ignored.js';
import { collisions, isIdentifier, operationName, pascalCase } from './names.js';
import { SchemaRegistry, definitionRef, isObject, narrowsType, unwrapSchemaFormat, type JsonSchema, type NamedSchema } from './schemas.js';
import { formatPosition, pointerPath, type Position, type SourceSet } from '../load/sources.js';
import { bundleDocument } from './bundle.js';
import { resolveSkippedRefs } from './skipped-refs.js';
import { checkWrittenSchemas } from './written-schemas.js';

export type ContentType = 'application/json' | 'text/plain';

export interface SecuritySchemeModel {
  name: string;
  type: string;
  scheme?: string;
  in?: string;
  paramName?: string;
}

export interface SecurityRequirementModel {
  schemes: SecuritySchemeModel[];
  scopes: string[];
}

export interface EventModel {
  /** Key used in `send(key, ...)`: the message name, else its key. */
  key: string;
  /** SSE `event:` field; null for data-only events (a message named `message`). */
  sseEvent: string | null;
  contentType: ContentType;
  /** Name of the payload type. */
  typeName: string;
  /** Examples from the spec (the message's `examples[].payload`), each with where it is written. */
  examples: Array<{ payload: unknown; location: Position }>;
  summary?: string;
  /** Where the payload is written. */
  location: Position;
}

interface OperationBase {
  operationId: string;
  /** `operationId` as a JS identifier (handler file and export name). */
  name: string;
  /** Prefix of the operation's own types, e.g. `StreamPrices`. */
  typePrefix: string;
  specPath: string;
  expressPath: string;
  paramNames: string[];
  paramsType?: string;
  queryType?: string;
  /** Whether the query schema requires a parameter (the client's request then must carry `query`). */
  queryRequired: boolean;
  bodyType?: string;
  /** Name of the client's request type of this operation (e.g. `StreamPricesRequest`). */
  requestType: string;
  security: SecurityRequirementModel[];
  roles?: string[];
  summary?: string;
  /** Where the operation is written. */
  location: Position;
}

export interface StreamOperation extends OperationBase {
  kind: 'stream';
  method: 'GET' | 'POST';
  events: EventModel[];
  eventsType: string;
  metadataType?: string;
  heartbeatMs?: number;
  retryMs?: number;
  replay?: { maxEvents: number; ttlMs: number };
  maxDurationMs?: number;
  maxConnectionsPerIdentity?: number;
}

export interface ReceiveOperation extends OperationBase {
  kind: 'receive';
  method: 'POST';
  contentType: ContentType;
  /** Type of the request headers the messages declare (names lower-cased), when they all declare some. */
  headersType?: string;
  /** Whether every message's headers schema requires a header (the client's request then must carry `headers`). */
  headersRequired: boolean;
  /** Type of the reply body, when the operation declares a `reply`. */
  replyType?: string;
}

export type OperationModel = StreamOperation | ReceiveOperation;

export interface SseModel {
  title: string;
  version: string;
  description?: string;
  schemas: NamedSchema[];
  operations: OperationModel[];
  /** The bundled document (all `$ref`s resolved), served at `/asyncapi.json`. */
  document: unknown;
}

export interface ModelResult {
  /** With errors, the model of what could be mapped (later stages still run on it, to report their problems too). */
  model: SseModel;
  /** Errors and warnings (skipped operations, rewritten addresses, ...). */
  diagnostics: Diagnostic[];
}

/** Default replay window when `x-sse-replay` gives no `ttl`. */
const DEFAULT_REPLAY_TTL_MS = 300_000;
/** Protocols served by the generated HTTP endpoints (Mercure and Zilla's `sse` are SSE over HTTP). */
const HTTP_PROTOCOLS = new Set(['http', 'https', 'mercure', 'sse']);

export function buildModel(document: AsyncAPIDocumentInterface, sources: SourceSet): ModelResult {
  return new ModelBuilder(document, sources).build();
}

class ModelBuilder {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly registry = new SchemaRegistry();
  private readonly routes = new Map<string, string>();
  private componentSchemas: Record<string, unknown> = {};

  constructor(
    private readonly document: AsyncAPIDocumentInterface,
    private readonly sources: SourceSet,
  ) {}

  build(): ModelResult {
    const version = this.document.version();
    if (!version.startsWith('3.')) {
      this.report(['asyncapi'], unsupportedVersionMessage(version), 'unsupported-version');
      throw new SpecError(this.diagnostics);
    }
    this.diagnostics.push(...checkExtensions(this.sources));
    resolveSkippedRefs(this.document.json());
    this.diagnostics.push(...checkWrittenSchemas(this.sources, this.document.json()));
    const components = (this.document.json() as { components?: { schemas?: Record<string, unknown> } }).components;
    const componentSchemas = (this.componentSchemas = components?.schemas ?? {});
    this.reportCollisions('schemas', Object.keys(componentSchemas).map((key) => ({ key, at: ['components', 'schemas', key] })), (s) => pascalCase(s.key));
    this.registry.registerComponents(componentSchemas);

    const operations: OperationModel[] = [];
    for (const operation of this.document.operations()) {
      const mapped = this.operation(operation);
      if (mapped) operations.push(mapped);
    }
    const named = operations.map((op) => ({ key: op.operationId, at: ['operations', op.operationId], op }));
    // Names that differ only where type names would not (`foo_bar`, `fooBar` → `FooBar…`) collide too.
    const clashing = this.reportCollisions('operations', named, (o) => o.op.name);
    this.reportCollisions('operations', named.filter((o) => !clashing.has(o)), (o) => o.op.typePrefix);
    if (operations.length === 0 && !hasErrors(this.diagnostics)) {
      this.report(['operations'], 'nothing to generate: no operation maps to an HTTP endpoint', 'nothing-to-generate');
    }

    const info = this.document.info();
    return {
      model: {
        title: info.title(),
        version: info.version(),
        description: info.description(),
        schemas: this.registry.schemas,
        operations,
        document: bundleDocument(this.document.json()),
      },
      diagnostics: this.diagnostics,
    };
  }

  /** Adds a diagnostic unless the same one is already there (a message shared by two operations). */
  private reportOnce(diagnostic: Diagnostic): void {
    const same = (d: Diagnostic) => d.file === diagnostic.file && d.line === diagnostic.line && d.col === diagnostic.col && d.message === diagnostic.message;
    if (!this.diagnostics.some(same)) this.diagnostics.push(diagnostic);
  }

  private report(path: Array<string | number>, message: string, code: string, severity: 'error' | 'warning' = 'error'): void {
    const at: Position = this.sources.locateClosest(path);
    this.diagnostics.push({ ...at, severity, message, code });
  }

  /** Two spec names that become one generated name: an error at each of them. */
  private reportCollisions<T extends { key: string; at: string[] }>(what: string, items: T[], generatedName: (item: T) => string): Set<T> {
    const clashing = new Set<T>();
    for (const [first, second, name] of collisions(items, generatedName)) {
      clashing.add(first).add(second);
      const [a, b] = [this.sources.locateClosest(first.at), this.sources.locateClosest(second.at)];
      const message = (self: T, other: T, otherAt: Position) =>
        `${what} "${self.key}" and "${other.key}" (at ${formatPosition(otherAt)}) both map to the generated name "${name}"; rename one`;
      this.diagnostics.push({ ...a, severity: 'error', message: message(first, second, b), code: 'name-collision' });
      this.diagnostics.push({ ...b, severity: 'error', message: message(second, first, a), code: 'name-collision' });
    }
    return clashing;
  }

  private operation(operation: OperationInterface): OperationModel | undefined {
    const id = idOf(operation);
    const at = ['operations', id];
    const channel = operation.channels().all()[0];
    if (!channel) {
      this.report(at, `operation "${id}" skipped: it has no channel`, 'not-sse-mappable', 'warning');
      return undefined;
    }
    const skipReason = this.unmappableReason(channel);
    if (skipReason) {
      this.report(at, `operation "${id}" skipped: ${skipReason}`, 'not-sse-mappable', 'warning');
      return undefined;
    }
    const specPath = this.httpPath(channel);
    const extensions = this.extensions(operation);
    const binding = (operation.bindings().get('http')?.value() ?? {}) as { method?: unknown; query?: unknown };
    const method = this.method(operation, binding.method, extensions);
    if (!specPath || !method) return undefined;
    for (const warning of ignoredConstructs(operation, channel, this.sources)) this.reportOnce(warning);

    const name = operationName(id);
    const typePrefix = pascalCase(id);
    const paramNames = [...specPath.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    this.claimRoute(id, method, specPath);

    const base: OperationBase = {
      operationId: id,
      name,
      typePrefix,
      specPath,
      expressPath: expressPath(specPath),
      paramNames,
      paramsType: paramNames.length > 0 ? this.registry.define(`${typePrefix}Params`, paramsSchema(channel, paramNames)) : undefined,
      queryType: isObject(binding.query) ? this.registry.define(`${typePrefix}Query`, binding.query) : undefined,
      queryRequired: requiresMember(binding.query),
      requestType: this.registry.reserve(`${typePrefix}Request`),
      security: this.security(operation, channel),
      roles: extensions['x-sse-roles'] as string[] | undefined,
      summary: operation.summary() ?? operation.description(),
      location: this.sources.locateClosest(at),
    };

    if (operation.isSend()) return this.stream(operation, base, method, extensions);
    return this.receive(operation, base);
  }

  /** Why an operation cannot be served over HTTP, if it cannot. */
  private unmappableReason(channel: ChannelInterface): string | undefined {
    const documentServers = this.document.servers().all();
    if (documentServers.length === 0) return undefined;
    const servers = channel.servers().all();
    const candidates = servers.length > 0 ? servers : documentServers;
    if (candidates.some((s) => HTTP_PROTOCOLS.has(s.protocol().toLowerCase()))) return undefined;
    const protocols = [...new Set(candidates.map((s) => s.protocol()))].join(', ');
    return `channel "${channel.id()}" is only served over ${protocols}, not http/https`;
  }

  /** The channel address as an HTTP path (see docs/spec-conventions.md, "Addresses"). */
  private httpPath(channel: ChannelInterface): string | undefined {
    const address = channel.address();
    const at = ['channels', channel.id(), 'address'];
    if (!address) {
      this.report(['channels', channel.id()], `channel "${channel.id()}" has no address, so it has no HTTP path`, 'no-address');
      return undefined;
    }
    const url = /^([a-z][a-z0-9+.-]*):\/\/[^/]*(\/[^?#]*)?/i.exec(address);
    if (url) {
      if (!HTTP_PROTOCOLS.has(url[1]!.toLowerCase())) {
        this.report(at, `channel "${channel.id()}" skipped: address "${address}" is not an HTTP URL`, 'not-sse-mappable', 'warning');
        return undefined;
      }
      const path = url[2] ?? '/';
      this.report(at, `address "${address}" is a full URL; serving its path ${path}`, 'address-url', 'warning');
      return path;
    }
    if (!address.startsWith('/')) {
      this.report(at, `address "${address}" is not a path; serving it at /${address}`, 'address-not-path', 'warning');
      return `/${address}`;
    }
    return address;
  }

  private extensions(operation: OperationInterface): Partial<Record<SseExtension, unknown>> {
    const found: Partial<Record<SseExtension, unknown>> = {};
    const at = (key: string) => ['operations', idOf(operation), key];
    // Values written in place were checked where they stand; this catches `$ref`'d ones.
    const reportedInPlace = this.diagnostics.some((d) => d.code === 'invalid-sse-extension');
    for (const extension of operation.extensions().all()) {
      const key = extension.id();
      if (!isKnownExtension(key)) continue;
      const problem = extensionValueProblem(key, extension.value());
      if (problem) {
        if (!reportedInPlace) this.report(at(key), problem, 'invalid-sse-extension');
      } else if (operation.isReceive() && STREAM_ONLY.includes(key)) {
        this.report(at(key), `"${key}" applies to streams (action: send) only`, 'misplaced-sse-extension');
      } else {
        found[key] = extension.value();
      }
    }
    return found;
  }

  private method(operation: OperationInterface, declared: unknown, extensions: Partial<Record<SseExtension, unknown>>) {
    const at = ['operations', idOf(operation), 'bindings', 'http', 'method'];
    const method = typeof declared === 'string' ? declared.toUpperCase() : undefined;
    if (operation.isReceive()) {
      if (method === 'GET') {
        const hint = 'this reads as written from the client\'s side: a stream the server sends is `action: send` in the server\'s document';
        this.report(at, `a receive operation maps to POST, not GET; ${hint}`, 'unsupported-method');
        return undefined;
      }
      if (method && method !== 'POST') {
        this.report(at, `a receive operation maps to POST, not ${method}`, 'unsupported-method');
        return undefined;
      }
      return 'POST' as const;
    }
    const wanted = method ?? (extensions['x-sse-body'] ? 'POST' : 'GET');
    if (wanted !== 'GET' && wanted !== 'POST') {
      this.report(at, `a stream maps to GET or POST, not ${wanted}`, 'unsupported-method');
      return undefined;
    }
    if (wanted === 'GET' && extensions['x-sse-body']) {
      this.report(['operations', idOf(operation), 'x-sse-body'], 'a GET stream cannot take a request body; use method POST', 'misplaced-sse-extension');
      return undefined;
    }
    return wanted;
  }

  private claimRoute(operationId: string, method: string, specPath: string): void {
    const route = `${method} ${specPath.replace(/\{[^}]+\}/g, '{}')}`;
    const holder = this.routes.get(route);
    if (holder) {
      this.report(['operations', operationId], `operation "${operationId}" maps to ${method} ${specPath}, already used by operation "${holder}"`, 'duplicate-route');
    } else {
      this.routes.set(route, operationId);
    }
  }

  private security(operation: OperationInterface, channel: ChannelInterface): SecurityRequirementModel[] {
    const own = operation.security();
    const names = this.securitySchemeNames();
    if (own.length > 0) return requirements(own, names);
    const servers = channel.servers().all().length > 0 ? channel.servers().all() : this.document.servers().all();
    return servers.filter((s) => HTTP_PROTOCOLS.has(s.protocol().toLowerCase())).flatMap((s) => requirements(s.security(), names));
  }

  /** Component key of each security scheme object (the parser gives `$ref`'d schemes no id). */
  private securitySchemeNames(): Map<unknown, string> {
    return new Map(this.document.components().securitySchemes().all().map((scheme) => [scheme.json(), scheme.id()]));
  }

  private stream(
    operation: OperationInterface,
    base: OperationBase,
    method: 'GET' | 'POST',
    extensions: Partial<Record<SseExtension, unknown>>,
  ): StreamOperation {
    const events = operation.messages().all().map((message) => this.event(message));
    const keys = new Set<string>();
    for (const event of events) {
      const wire = event.sseEvent ?? 'message';
      if (keys.has(wire)) {
        const what = event.sseEvent === null ? 'are data-only (named `message`)' : `share the event name "${wire}"`;
        this.report(['operations', idOf(operation), 'messages'], `two messages of "${idOf(operation)}" ${what}; clients could not tell them apart`, 'duplicate-event');
      }
      keys.add(wire);
    }
    const replay = extensions['x-sse-replay'] as { maxEvents: number; ttl?: number } | undefined;
    const body = extensions['x-sse-body'];
    const metadata = extensions['x-sse-metadata'];
    return {
      ...base,
      kind: 'stream',
      method,
      events,
      eventsType: this.registry.reserve(`${base.typePrefix}Events`),
      bodyType: body ? this.registry.nameFor(body, `${base.typePrefix}Body`) : undefined,
      metadataType: metadata ? this.registry.nameFor(metadata, `${base.typePrefix}Metadata`) : undefined,
      heartbeatMs: extensions['x-sse-heartbeat'] as number | undefined,
      retryMs: extensions['x-sse-retry'] as number | undefined,
      replay: replay ? { maxEvents: replay.maxEvents, ttlMs: replay.ttl ?? DEFAULT_REPLAY_TTL_MS } : undefined,
      maxDurationMs: extensions['x-sse-max-duration'] as number | undefined,
      maxConnectionsPerIdentity: extensions['x-sse-max-connections-per-identity'] as number | undefined,
    };
  }

  private receive(operation: OperationInterface, base: OperationBase): ReceiveOperation {
    const messages = operation.messages().all();
    const types = messages.map((m) => this.payloadType(m));
    const contentTypes = new Set(messages.map((m) => this.contentType(m)));
    if (contentTypes.size > 1) {
      this.report(['operations', idOf(operation), 'messages'], 'the messages of a receive operation must share one content type', 'mixed-content-types');
    }
    const bodySchema = types.length === 1 ? definitionRef(types[0]!) : { oneOf: types.map(definitionRef) };
    const replyMessages = this.replyMessages(operation);
    const replyTypes = replyMessages.map((m) => this.payloadType(m));
    return {
      ...base,
      kind: 'receive',
      method: 'POST',
      contentType: [...contentTypes][0] ?? 'application/json',
      bodyType: types.length > 0 ? this.registry.define(`${base.typePrefix}Body`, bodySchema) : undefined,
      headersType: this.headersType(messages, base.typePrefix),
      headersRequired: messages.length > 0 && messages.every((m) => requiresMember(unwrapSchemaFormat(m.headers()?.json()))),
      replyType:
        replyTypes.length > 0
          ? this.registry.define(`${base.typePrefix}Reply`, replyTypes.length === 1 ? definitionRef(replyTypes[0]!) : { oneOf: replyTypes.map(definitionRef) })
          : undefined,
    };
  }

  /** A reply's messages; without any, those of its channel (AsyncAPI: the reply is then any message of that channel). */
  private replyMessages(operation: OperationInterface): MessageInterface[] {
    const reply = operation.reply();
    if (!reply) return [];
    const own = reply.messages().all();
    const messages = own.length > 0 ? own : (reply.channel()?.messages().all() ?? []);
    if (messages.length === 0) {
      this.report(['operations', idOf(operation), 'reply'], `operation "${idOf(operation)}": the reply names no messages and no channel with messages, so it is neither typed nor validated`, 'untyped-reply', 'warning');
    }
    return messages;
  }

  /**
   * The SSE `event:` field is the message name, else its key; `message` means data-only. The
   * key used in `send()` is that same name, except that a message named `message` keeps its own
   * key (`priceUpdate`), so data-only events still have a telling name in code.
   */
  private event(message: MessageInterface): EventModel {
    const wireName = message.name() ?? message.id();
    const dataOnly = wireName === 'message';
    return {
      key: dataOnly ? message.id() : wireName,
      sseEvent: dataOnly ? null : wireName,
      contentType: this.contentType(message),
      typeName: this.payloadType(message),
      examples: message
        .examples()
        .all()
        .flatMap((e, i) => (e.hasPayload() ? [{ payload: e.payload(), location: this.sources.locateWritten([...pointerPath(message.jsonPath()), 'examples', i, 'payload']) }] : [])),
      summary: message.summary() ?? message.description(),
      location: this.sources.locateWritten([...pointerPath(message.jsonPath()), 'payload']),
    };
  }

  /**
   * The request headers a receive operation requires: each message's `headers` schema with its
   * property names lower-cased (as Node delivers them). A message without headers requires none,
   * so then no header is checked; messages declaring different headers are alternatives.
   */
  private headersType(messages: MessageInterface[], typePrefix: string): string | undefined {
    const schemas = messages.map((message) => unwrapSchemaFormat(message.headers()?.json()));
    if (schemas.length === 0 || !schemas.every(isObject)) return undefined;
    const distinct = [...new Set(schemas)].map(lowerCaseHeaderNames);
    return this.registry.define(`${typePrefix}Headers`, distinct.length === 1 ? distinct[0]! : { anyOf: distinct });
  }

  /** The component schema a message's payload is written as a `$ref` to (traits merged into the message copy its payload). */
  private writtenComponent(message: MessageInterface): unknown {
    const key = this.sources.componentSchemaAt([...pointerPath(message.jsonPath()), 'payload']);
    return key === undefined ? undefined : this.componentSchemas[key];
  }

  /** JSON (`application/json`, any `+json`) or text (`text/*`); other content types cannot be framed as SSE data. */
  private contentType(message: MessageInterface): ContentType {
    const declared = message.contentType() ?? 'application/json';
    const essence = declared.split(';')[0]!.trim().toLowerCase();
    if (essence.startsWith('text/')) return 'text/plain';
    if (essence !== 'application/json' && !essence.endsWith('+json')) {
      const own = (message.json() as { contentType?: unknown }).contentType !== undefined;
      const at = own ? this.sources.locateWritten([...pointerPath(message.jsonPath()), 'contentType']) : this.sources.locateClosest(['defaultContentType']);
      const why = `contentType "${declared}" of message "${message.name() ?? message.id()}" is not supported: SSE and these endpoints carry JSON or text; send binary data base64-encoded in a JSON or text payload`;
      this.reportOnce({ ...at, severity: 'error', message: why, code: 'unsupported-content-type' });
    }
    return 'application/json';
  }

  /**
   * The payload's type name: its own name when it is a named schema, else the message's key. A
   * text message's data is a string, so its payload is one when the schema says no type.
   */
  private payloadType(message: MessageInterface): string {
    const payload = this.writtenComponent(message) ?? unwrapSchemaFormat(message.payload()?.json()) ?? {};
    if (this.contentType(message) === 'text/plain' && isObject(payload) && !narrowsType(payload)) {
      return this.registry.define(pascalCase(message.id()), { ...payload, type: 'string' });
    }
    return this.registry.nameFor(payload, pascalCase(message.id()));
  }
}

/** Operations are keyed in AsyncAPI 3, so every one has an id (the parser's type allows none for traits). */
function idOf(operation: OperationInterface): string {
  return operation.id() ?? '';
}


/** Whether an object schema lists a required member. */
function requiresMember(schema: unknown): boolean {
  return isObject(schema) && Array.isArray(schema.required) && schema.required.length > 0;
}

/**
 * A headers schema as it applies to Node's lower-cased header names. Other headers always
 * travel with a request (Host, User-Agent, ...), so `additionalProperties` is dropped.
 */
function lowerCaseHeaderNames(schema: Record<string, unknown>): Record<string, unknown> {
  const { additionalProperties: _, ...lowered } = schema;
  if (isObject(schema.properties)) {
    lowered.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, value]) => [name.toLowerCase(), value]));
  }
  if (Array.isArray(schema.required)) lowered.required = schema.required.map((name) => String(name).toLowerCase());
  return lowered;
}

/** Channel parameters as a JSON Schema object (every path parameter is a required string). */
function paramsSchema(channel: ChannelInterface, names: string[]): JsonSchema {
  const declared = new Map(channel.parameters().all().map((p) => [p.id(), p.json() as Record<string, unknown>]));
  const properties = Object.fromEntries(
    names.map((name) => {
      const p = declared.get(name) ?? {};
      const schema: Record<string, unknown> = { type: 'string' };
      for (const key of ['enum', 'default', 'description', 'examples'] as const) if (p[key] !== undefined) schema[key] = p[key];
      return [name, schema];
    }),
  );
  return { type: 'object', properties, required: names, additionalProperties: false };
}

function requirements(list: SecurityRequirementsInterface[], names: Map<unknown, string>): SecurityRequirementModel[] {
  return list.map((requirement) => {
    const items = requirement.all();
    return {
      schemes: items.map((item) => {
        const scheme = item.scheme();
        return {
          name: names.get(scheme.json()) || scheme.id() || scheme.type(),
          type: scheme.type(),
          scheme: scheme.scheme()?.toLowerCase(),
          in: scheme.in(),
          paramName: scheme.name(),
        };
      }),
      scopes: [...new Set(items.flatMap((item) => item.scopes()))],
    };
  });
}

/** `/channels/{channel}/stream` → `/channels/:channel/stream`, escaping Express's reserved characters. */
function expressPath(specPath: string): string {
  return specPath
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const param = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (param) return isIdentifier(param) ? `:${param}` : `:${JSON.stringify(param)}`;
      return part.replace(/[()[\]?+*!{}:\\]/g, (c) => `\\${c}`);
    })
    .join('');
}
