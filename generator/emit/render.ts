/**
 * Stage 4: the SSE model → file contents. Typed code builds each template's view (views.ts),
 * printing every TypeScript value (print.ts); Handlebars only lays the lines out, and a template
 * that reads a key its view lacks fails the run instead of printing nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { ExampleSynthesizer } from './examples.js';
import type { OperationModel, ReceiveOperation, SseModel, StreamOperation } from '../model/model.js';
import { openApi31View } from '../openapi/openapi-31.js';
import { printOpenApi } from '../openapi/openapi.js';
import { commentLine, isInheritedKey, key, literal, member, str } from './print.js';
import { formatPosition } from '../load/sources.js';
import { eventKeyOf, type ValidatorModule, type ValidatorModules } from './validators.js';
import type { ClientValidatorMap, ClientView, Field, HandlerStubView, ServerView, TemplateViews, TypesView } from './views.js';

/** The Handlebars templates: copied beside the compiled generator (`dist/templates/`), else the repository's `templates/`. */
const TEMPLATES = [new URL('../templates/', import.meta.url), new URL('../../templates/', import.meta.url)].map((url) => fileURLToPath(url)).find((dir) => existsSync(dir))!;

/** A file to write, relative to its target folder. */
export interface RenderedFile {
  target: 'out' | 'handlers';
  path: string;
  content: string;
}

export interface RenderOptions {
  specFile: string;
  outDir: string;
  handlersDir: string;
}

export interface RenderResult {
  files: RenderedFile[];
  /** Problems with examples, in plain words (printed as notes). */
  warnings: string[];
}

const handlebars = Handlebars.create();
handlebars.registerPartial('header', readTemplate('header'));

const templates = new Map<string, Handlebars.TemplateDelegate>();

function readTemplate(name: string): string {
  return readFileSync(path.join(TEMPLATES, `${name}.hbs`), 'utf8');
}

function render<K extends keyof TemplateViews>(name: K, view: TemplateViews[K]): string {
  let template = templates.get(name);
  if (!template) {
    template = handlebars.compile(readTemplate(name), { noEscape: true, strict: true });
    templates.set(name, template);
  }
  return template(strictView(view, name));
}

/**
 * `strict: true` covers `{{name}}` but not the arguments of `#if` and `#each`; this proxy makes
 * any read of a missing key throw, naming the template.
 */
function strictView<T>(value: T, template: string): T {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value, {
    get(target, property, receiver) {
      if (typeof property === 'string' && !(property in target)) throw new Error(`template ${template} reads "${property}", which its view does not have`);
      return strictView(Reflect.get(target, property, receiver), template);
    },
  });
}

/** Client runtime exports the generated client passes on, so a package user can name them. */
const CLIENT_RUNTIME_VALUES = ['HttpError'];
const CLIENT_RUNTIME_TYPES = ['ClientOptions', 'ConnectionStatus', 'Problem', 'ReceivedEvent', 'Subscription'];

/** Those of `names` the spec does not declare itself: its own types keep their names. */
function notDeclared(names: string[], model: SseModel): string[] {
  const declared = new Set([...model.schemas.map((s) => s.name), ...model.operations.flatMap((op) => (op.kind === 'stream' ? [op.eventsType] : []))]);
  return names.filter((name) => !declared.has(name));
}

/** `declarations`: the body of types.ts (see declarations-thread.ts). */
export async function renderAll(model: SseModel, validators: ValidatorModules, declarations: Promise<string>, options: RenderOptions): Promise<RenderResult> {
  const warnings: string[] = [];
  const examples = new ExampleSynthesizer(model.schemas);
  const specFile = path.basename(options.specFile);
  const imports = importPaths(options);
  const streams = model.operations.filter((op): op is StreamOperation => op.kind === 'stream');
  const clientMap: ClientValidatorMap = streams.map((op) => ({
    property: key(op.operationId),
    events: op.events.map((event) => ({ name: key(event.key), value: eventValidator(validators, op, event.key) })),
  }));

  const out = (file: string, content: string): RenderedFile => ({ target: 'out', path: file, content });
  const outJson = (file: string, value: unknown) => out(file, `${JSON.stringify(value, null, 2)}\n`);
  const openApi = printOpenApi(model);
  const validatorFiles = (base: string, module: ValidatorModule, purpose: string, validatorTypeImport: string, map: ClientValidatorMap = []) => [
    out(`${base}.js`, render('validators.js', { specFile, code: module.code, purpose, clientMap: map })),
    out(`${base}.d.ts`, render('validators.d.ts', { specFile, exportNames: module.exportNames, validatorTypeImport, clientMap: map })),
  ];

  const files: RenderedFile[] = [
    out('server.ts', render('server.ts', serverView(model, validators, specFile, imports.runtime))),
    ...validatorFiles('validators', validators.payloads, 'Event payloads, request bodies and replies.', imports.runtimeTypes),
    ...validatorFiles('request-validators', validators.requests, 'Path parameters, query strings and request headers (coerced from strings, defaults applied).', imports.runtimeTypes),
    ...validatorFiles('body-validators', validators.bodyErrors, 'Request bodies, listing every problem (for a refused body of bounded size).', imports.runtimeTypes),
    ...validatorFiles('client/validators', validators.client, 'Event payloads, for clients that validate what they receive.', imports.clientTypes, clientMap),
    out('client/index.ts', render('client.ts', clientView(model, specFile, imports))),
    outJson('asyncapi.json', model.document),
    outJson('openapi.json', openApi),
    outJson('openapi-3.1.json', openApi31View(openApi)),
  ];

  for (const op of model.operations) {
    const stub = op.kind === 'stream' ? streamStub(op, validators, examples, warnings) : receiveStub(op, validators, examples, warnings);
    files.push({ target: 'handlers', path: `${op.name}.ts`, content: render('handler.ts', { ...stub, serverImport: imports.serverFromHandlers }) });
  }
  files.push({
    target: 'handlers',
    path: 'index.ts',
    content: render('handlers-index.ts', {
      serverImport: imports.serverFromHandlers,
      imports: model.operations.map((op) => ({ name: op.name })),
      entries: model.operations.map((op) => (op.name === op.operationId ? op.name : `${key(op.operationId)}: ${op.name}`)),
    }),
  });
  // Last: everything else is rendered while the worker is still printing the declarations.
  files.unshift(out('types.ts', render('types.ts', typesView(streams, specFile, await declarations))));
  return { files, warnings };
}

function eventValidator(validators: ValidatorModules, op: StreamOperation, eventKey: string): string {
  return validators.names.events.get(eventKeyOf(op.operationId, eventKey))!;
}

function typesView(streams: StreamOperation[], specFile: string, declarations: string): TypesView {
  return {
    specFile,
    declarations,
    eventMaps: streams.map((op) => ({
      operationId: commentLine(op.operationId),
      typeName: op.eventsType,
      events: op.events.map((event) => ({ doc: docOf(event.summary), property: key(event.key), typeName: event.typeName })),
    })),
  };
}

function docOf(text: string | undefined): string | undefined {
  return text ? commentLine(text) : undefined;
}

function typeRef(name: string | undefined, fallback: string): string {
  return name ? `T.${name}` : fallback;
}

/** Optional fields: only those with a value. */
function defined(fields: Array<[string, string | undefined]>): Field[] {
  return fields.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }]));
}

/** An object literal on one line; `as const` where TypeScript would widen its literals (see isInheritedKey). */
function inlineObject(property: string, fields: Field[]): Field {
  const body = `{ ${fields.map((f) => `${f.name}: ${f.value}`).join(', ')} }`;
  return { name: key(property), value: isInheritedKey(property) ? `${body} as const` : body };
}

function multiline(fields: Field[], indent: string): string {
  return `{\n${fields.map((f) => `${indent}  ${f.name}: ${f.value},\n`).join('')}${indent}}`;
}

function serverView(model: SseModel, validators: ValidatorModules, specFile: string, runtimeImport: string): ServerView {
  const names = validators.names;
  const streams = model.operations.filter((op) => op.kind === 'stream');
  const receives = model.operations.filter((op) => op.kind === 'receive');
  const endpoints = model.operations.map((op) => {
    const validator = (module: string, exportName: string | undefined) => (exportName ? `${module}.${exportName}` : undefined);
    const common = defined([
      ['kind', str(op.kind)],
      ['operationId', str(op.operationId)],
      ['method', str(op.method)],
      ['path', str(op.expressPath)],
      ['specPath', str(op.specPath)],
      ['paramNames', literal(op.paramNames)],
      ['params', validator('requests', names.params.get(op.operationId))],
      ['query', validator('requests', names.query.get(op.operationId))],
      ['headers', validator('requests', names.headers.get(op.operationId))],
      ['body', validator('payloads', names.body.get(op.operationId))],
      ['bodyAllErrors', validator('bodyErrors', names.body.get(op.operationId))],
      ['reply', validator('payloads', names.reply.get(op.operationId))],
      ['security', literal(op.security)],
      ['roles', op.roles && literal(op.roles)],
      ['summary', op.summary === undefined ? undefined : str(commentLine(op.summary))],
    ]);
    if (op.kind === 'receive') return { fields: [...common, { name: 'contentType', value: str(op.contentType) }] };
    const events = op.events.map((event) =>
      inlineObject(event.key, [
        { name: 'sseEvent', value: literal(event.sseEvent) },
        { name: 'contentType', value: str(event.contentType) },
        { name: 'validate', value: `payloads.${eventValidator(validators, op, event.key)}` },
      ]),
    );
    const settings = defined([
      ['heartbeatMs', op.heartbeatMs === undefined ? undefined : literal(op.heartbeatMs)],
      ['retryMs', op.retryMs === undefined ? undefined : literal(op.retryMs)],
      ['replay', op.replay && literal(op.replay)],
      ['maxDurationMs', op.maxDurationMs === undefined ? undefined : literal(op.maxDurationMs)],
      ['maxConnectionsPerIdentity', op.maxConnectionsPerIdentity === undefined ? undefined : literal(op.maxConnectionsPerIdentity)],
    ]);
    return { fields: [...common, { name: 'events', value: multiline(events, '      ') }, ...settings] };
  });

  const runtimeTypes = [
    'createSseApp',
    'createSseRouter',
    'type AppOptions',
    ...(streams.length > 0 ? ['type ConnectionManager'] : []),
    ...(receives.length > 0 ? ['type ReceiveHandler'] : []),
    ...(model.operations.some((op) => op.security.length > 0) ? ['type Identity'] : []),
    'type ServiceSpec',
    'type SseApp',
    'type SseRouter',
    ...(streams.length > 0 ? ['type StreamOperationHandler'] : []),
  ];
  return {
    specFile,
    runtimeImport,
    runtimeTypes,
    payloadValidators: [...names.body.values(), ...names.reply.values(), ...names.events.values()].length > 0,
    requestValidators: [...names.params.values(), ...names.query.values(), ...names.headers.values()].length > 0,
    bodyValidators: names.body.size > 0,
    titleComment: commentLine(JSON.stringify(model.title)),
    serviceFields: [
      { name: 'title', value: str(model.title) },
      { name: 'version', value: str(model.version) },
    ],
    endpoints,
    connections: streams.map((op) => ({
      name: key(op.operationId),
      value: `ConnectionManager<T.${op.eventsType}, ${typeRef(op.paramsType, 'Record<string, never>')}, ${typeRef(op.metadataType, 'Record<string, unknown>')}>`,
    })),
    handlers: model.operations.map((op) => ({
      doc: docOf(op.summary),
      property: key(op.operationId),
      handlerType: op.kind === 'stream' ? 'StreamOperationHandler' : 'ReceiveHandler',
      typeFields: handlerTypeFields(op),
    })),
  };
}

/** The named type fields of an operation's handler (runtime/types.ts `StreamTypes`, `ReceiveTypes`). */
function handlerTypeFields(op: OperationModel): Field[] {
  const headersType = op.kind === 'receive' ? op.headersType : undefined;
  const common = [
    { name: 'params', value: typeRef(op.paramsType, 'Record<string, never>') },
    { name: 'query', value: typeRef(op.queryType, 'Record<string, never>') },
    { name: 'headers', value: typeRef(headersType, 'Record<string, string | string[] | undefined>') },
    // The runtime refuses a request to a secured endpoint that no identity is found for.
    { name: 'identity', value: op.security.length > 0 ? 'Identity' : 'null' },
  ];
  if (op.kind === 'receive') {
    return [
      ...common,
      { name: 'body', value: typeRef(op.bodyType, 'unknown') },
      { name: 'reply', value: typeRef(op.replyType, 'unknown') },
      { name: 'connections', value: 'Connections' },
    ];
  }
  return [
    { name: 'events', value: `T.${op.eventsType}` },
    ...common,
    { name: 'body', value: typeRef(op.bodyType, op.method === 'GET' ? 'undefined' : 'unknown') },
    { name: 'metadata', value: typeRef(op.metadataType, 'Record<string, unknown>') },
    { name: 'connections', value: 'Connections' },
  ];
}

function clientView(model: SseModel, specFile: string, imports: ReturnType<typeof importPaths>): ClientView {
  const hasStreams = model.operations.some((op) => op.kind === 'stream');
  const hasReceives = model.operations.some((op) => op.kind === 'receive');
  return {
    specFile,
    clientImport: imports.client,
    clientTypesImport: imports.clientTypes,
    typesImport: '../types.js',
    runtimeFunctions: [...(hasReceives ? ['post'] : []), ...(hasStreams ? ['subscribe'] : [])].join(', '),
    runtimeTypes: ['ClientOptions', ...(hasReceives ? ['PostCallOptions', 'PostOperationSpec'] : []), ...(hasStreams ? ['StreamCallOptions', 'StreamOperationSpec'] : [])].join(', '),
    clientValues: notDeclared(CLIENT_RUNTIME_VALUES, model).join(', '),
    clientTypes: notDeclared(CLIENT_RUNTIME_TYPES, model).join(', '),
    operations: model.operations.map((op) => {
      const common = [
        { name: 'operationId', value: str(op.operationId) },
        { name: 'method', value: str(op.method) },
        { name: 'path', value: str(op.specPath) },
      ];
      if (op.kind === 'receive') return { property: key(op.operationId), fields: [...common, { name: 'contentType', value: str(op.contentType) }], specType: 'PostOperationSpec' };
      const events = op.events.map((event) =>
        inlineObject(event.sseEvent ?? 'message', [
          { name: 'key', value: str(event.key) },
          { name: 'contentType', value: str(event.contentType) },
        ]),
      );
      return {
        property: key(op.operationId),
        fields: [...common, { name: 'events', value: multiline(events, '    ') }, { name: 'secured', value: String(op.security.length > 0) }],
        specType: 'StreamOperationSpec',
      };
    }),
    requests: model.operations.map((op) => ({ doc: commentLine(`What \`${op.name}\` takes.`), name: op.requestType, base: op.kind === 'stream' ? 'StreamCallOptions' : 'PostCallOptions', fields: requestFields(op) })),
    methods: model.operations.map((op) => {
      const spec = member('operations', op.operationId);
      const required = requestFields(op).some((field) => !field.name.endsWith('?'));
      const call = op.kind === 'stream' ? `subscribe<T.${op.eventsType}>(${spec}, options, request)` : `post(${spec}, options, request)${op.replyType ? ` as Promise<T.${op.replyType}>` : ''}`;
      return { doc: docOf(op.summary), property: key(op.name), parameter: required ? `request: ${op.requestType}` : `request: ${op.requestType} = {}`, call };
    }),
  };
}

/**
 * The parts of an operation's request, as openapi-fetch types them: path parameters and a
 * declared body always required, query and headers when their schema requires a member.
 */
function requestFields(op: OperationModel): Field[] {
  const part = (name: string, type: string | undefined, required: boolean): Field[] => (type ? [{ name: required ? name : `${name}?`, value: type }] : []);
  const untypedBody = op.method === 'POST' ? 'unknown' : undefined;
  return [
    ...part('params', op.paramsType && `T.${op.paramsType}`, true),
    ...part('query', op.queryType && `T.${op.queryType}`, op.queryRequired),
    ...part('body', op.bodyType ? `T.${op.bodyType}` : untypedBody, op.bodyType !== undefined),
    ...(op.kind === 'receive' ? part('headers', op.headersType && `T.${op.headersType}`, op.headersRequired) : []),
  ];
}

function stubDoc(op: OperationModel): string {
  return op.summary ? commentLine(op.summary) : commentLine(`${op.method} ${op.specPath}`);
}

/**
 * A stream stub sends one example per event: the spec's first valid example, else one synthesized
 * from the schema; an event with neither is left out (the stub must not send what its validator rejects).
 */
function streamStub(op: StreamOperation, validators: ValidatorModules, synthesizer: ExampleSynthesizer, warnings: string[]): Omit<HandlerStubView, 'serverImport'> {
  const sends = op.events.flatMap((event) => {
    const valid = (value: unknown) => validators.check(event.typeName, value);
    const fromSpec = event.examples.find((example) => valid(example.payload))?.payload;
    const where = formatPosition(event.location);
    for (const example of event.examples.filter((e) => !valid(e.payload))) {
      const instead = fromSpec === undefined ? 'the stub sends a synthesized one' : 'the stub sends a valid one';
      warnings.push(`${formatPosition(example.location)} operation "${op.operationId}": this example of event "${event.key}" does not match its payload schema; ${instead}`);
    }
    const synthesized = fromSpec === undefined ? synthesizer.validExample(event.typeName, valid) : undefined;
    if (fromSpec === undefined && !synthesized) {
      warnings.push(`${where} operation "${op.operationId}": no valid example could be synthesized for event "${event.key}"; the stub does not send it; add one under the message's examples`);
      return [];
    }
    return [`stream.send(${str(event.key)}, ${literal(fromSpec ?? synthesized!.value)})`];
  });
  return {
    doc: stubDoc(op),
    purpose: 'Mock until implemented: sends the spec\'s example events, one a second, until the client leaves.',
    name: op.name,
    handlerType: `Handlers[${str(op.operationId)}]`,
    stream: true,
    sends,
    result: '',
  };
}

/** A receive stub accepts the body and answers 202, or 200 with a valid example of its `reply`. */
function receiveStub(op: ReceiveOperation, validators: ValidatorModules, synthesizer: ExampleSynthesizer, warnings: string[]): Omit<HandlerStubView, 'serverImport'> {
  const where = formatPosition(op.location);
  const example = (typeName: string) => synthesizer.validExample(typeName, (value) => validators.check(typeName, value));
  if (op.bodyType && !example(op.bodyType)) {
    warnings.push(`${where} operation "${op.operationId}": no valid example body could be synthesized; check that its schema can be satisfied`);
  }
  const reply = op.replyType === undefined ? undefined : example(op.replyType);
  if (op.replyType !== undefined && !reply) {
    warnings.push(`${where} operation "${op.operationId}": no valid example reply could be synthesized; the stub answers 202 with no body; check that its reply schema can be satisfied`);
  }
  return {
    doc: stubDoc(op),
    purpose: reply ? 'Accepts the validated body and answers an example reply until implemented.' : 'Accepts the validated body and answers 202 until implemented.',
    name: op.name,
    handlerType: `Handlers[${str(op.operationId)}]`,
    stream: false,
    sends: [],
    result: reply ? `{ status: 200, body: ${literal(reply.value)} }` : '{ status: 202 }',
  };
}

/** Package specifiers of the runtime and client (as a user's project imports them), and the handlers' path to server.ts. */
function importPaths(options: RenderOptions) {
  const serverFromHandlers = path.relative(path.resolve(options.handlersDir), path.resolve(options.outDir, 'server.js')).split(path.sep).join('/');
  return {
    runtime: 'asyncapi-sse/runtime',
    runtimeTypes: 'asyncapi-sse/runtime',
    client: 'asyncapi-sse/client',
    clientTypes: 'asyncapi-sse/client',
    serverFromHandlers: serverFromHandlers.startsWith('.') ? serverFromHandlers : `./${serverFromHandlers}`,
  };
}
