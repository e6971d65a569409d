/** Stage 4: the SSE model → file contents, one Handlebars template per generated file. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { ExampleSynthesizer } from './examples.js';
import { isIdentifier } from './names.js';
import type { OperationModel, SseModel, StreamOperation } from './model.js';
import { eventKeyOf, type ValidatorModule, type ValidatorModules } from './validators.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATES = path.join(REPO_ROOT, 'templates');

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
handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value ?? null));
handlebars.registerHelper('quote', (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
handlebars.registerHelper('key', (value: string) => (isIdentifier(value) ? value : JSON.stringify(value)));
handlebars.registerHelper('member', (value: string) => (isIdentifier(value) ? `.${value}` : `[${JSON.stringify(value)}]`));
handlebars.registerPartial('header', readTemplate('header'));

const templates = new Map<string, Handlebars.TemplateDelegate>();

function readTemplate(name: string): string {
  return readFileSync(path.join(TEMPLATES, `${name}.hbs`), 'utf8');
}

function render(name: string, data: object): string {
  let template = templates.get(name);
  if (!template) {
    template = handlebars.compile(readTemplate(name), { noEscape: true, strict: false });
    templates.set(name, template);
  }
  return template(data);
}

/** Client runtime exports the generated client passes on, so a package user can name them. */
const CLIENT_RUNTIME_VALUES = ['HttpError'];
const CLIENT_RUNTIME_TYPES = ['ClientOptions', 'ConnectionStatus', 'Problem', 'ReceivedEvent', 'Subscription'];

/** Those of `names` the spec does not declare itself: its own types keep their names. */
function notDeclared(names: string[], model: SseModel): string[] {
  const declared = new Set([...model.schemas.map((s) => s.name), ...model.operations.flatMap((op) => (op.kind === 'stream' ? [op.eventsType] : []))]);
  return names.filter((name) => !declared.has(name));
}

/** `declarations`: the body of types.ts (see types-thread.ts). */
export async function renderAll(model: SseModel, validators: ValidatorModules, declarations: Promise<string>, options: RenderOptions): Promise<RenderResult> {
  const warnings: string[] = [];
  const examples = new ExampleSynthesizer(model.schemas);
  const specFile = path.basename(options.specFile);
  const imports = importPaths(options);
  const operations = model.operations.map((op) => operationView(op, validators));
  const streams = operations.filter((op) => op.stream);
  // What the generated modules refer to, so that they import nothing else (`noUnusedLocals` users).
  const uses = {
    streams: streams.length > 0,
    receives: streams.length < operations.length,
    plainReceives: operations.some((op) => !op.stream && !op.replyTs),
    replies: operations.some((op) => op.replyTs),
    payloadValidators: streams.length > 0 || operations.some((op) => op.bodyValidator),
    requestValidators: operations.some((op) => op.paramsValidator || op.queryValidator || op.headersValidator),
  };
  const clientMap = streams.map((op) => ({
    operationId: op.operationId,
    events: op.events.map((e) => ({ key: e.key, exportName: e.validator })),
  }));

  const out = (file: string, content: string): RenderedFile => ({ target: 'out', path: file, content });
  const validatorFiles = (base: string, module: ValidatorModule, purpose: string, typeImport: string, withClientMap = false) => [
    out(`${base}.js`, render('validators.js', { specFile, code: module.code, purpose, clientMap: withClientMap ? clientMap : null })),
    out(`${base}.d.ts`, render('validators.d.ts', { specFile, exportNames: module.exportNames, validatorTypeImport: typeImport, clientMap: withClientMap ? clientMap : null })),
  ];

  const files: RenderedFile[] = [
    out('server.ts', render('server.ts', {
      specFile,
      title: model.title,
      version: model.version,
      runtimeImport: imports.runtime,
      operations,
      streams,
      uses,
    })),
    ...validatorFiles('validators', validators.payloads, 'Event payloads and request bodies.', imports.runtimeTypes),
    ...validatorFiles('request-validators', validators.requests, 'Path parameters, query strings and request headers (coerced from strings, defaults applied).', imports.runtimeTypes),
    ...validatorFiles('client/validators', validators.client, 'Event payloads, for clients that validate what they receive.', imports.clientTypes, true),
    out('client/index.ts', render('client.ts', {
      specFile,
      clientImport: imports.client,
      clientTypesImport: imports.clientTypes,
      typesImport: '../types.js',
      operations,
      runtimeFunctions: [uses.receives && 'post', uses.streams && 'subscribe'].filter(Boolean).join(', '),
      runtimeTypes: ['ClientOptions', ...(uses.receives ? ['PostOperationSpec', 'PostRequest'] : []), ...(uses.streams ? ['StreamOperationSpec', 'StreamRequest'] : [])].join(', '),
      clientValues: notDeclared(CLIENT_RUNTIME_VALUES, model).join(', '),
      clientTypes: notDeclared(CLIENT_RUNTIME_TYPES, model).join(', '),
    })),
    out('asyncapi.json', `${JSON.stringify(model.document, null, 2)}\n`),
  ];

  model.operations.forEach((op, i) => {
    if (op.kind === 'receive' && op.bodyType && !validators.check(op.bodyType, examples.forType(op.bodyType))) {
      warnings.push(`operation "${op.operationId}": no valid example body could be synthesized; check that its schema can be satisfied`);
    }
    const view = operations[i]!;
    const stubExamples = op.kind === 'stream' ? streamExamples(op, validators, examples, warnings) : [];
    files.push({
      target: 'handlers',
      path: `${op.name}.ts`,
      content: render('handler.ts', { ...view, serverImport: imports.serverFromHandlers, examples: stubExamples }),
    });
  });
  files.push({ target: 'handlers', path: 'index.ts', content: render('handlers-index.ts', { operations, serverImport: imports.serverFromHandlers }) });
  // Last: everything else is rendered while the worker is still printing the declarations.
  files.unshift(out('types.ts', render('types.ts', { specFile, declarations: await declarations, streams })));
  return { files, warnings };
}

/** One example per event: the spec's first valid example, else one synthesized from the schema. */
function streamExamples(op: StreamOperation, validators: ValidatorModules, synthesizer: ExampleSynthesizer, warnings: string[]) {
  return op.events.map((event) => {
    const fromSpec = event.examples.find((value) => validators.check(event.typeName, value));
    if (event.examples.length > 0 && fromSpec === undefined) {
      warnings.push(`operation "${op.operationId}": the examples of event "${event.key}" do not match its payload schema; the stub sends a synthesized one`);
    }
    const value = fromSpec ?? synthesizer.forType(event.typeName);
    if (fromSpec === undefined && !validators.check(event.typeName, value)) {
      warnings.push(`operation "${op.operationId}": no valid example could be synthesized for event "${event.key}"; add one under the message's examples`);
    }
    return { key: event.key, value };
  });
}

function operationView(op: OperationModel, validators: ValidatorModules) {
  const typeRef = (name: string | undefined, fallback: string) => (name ? `T.${name}` : fallback);
  const common = {
    ...op,
    summary: op.summary ? oneLine(op.summary) : undefined,
    paramsTs: typeRef(op.paramsType, 'Record<string, never>'),
    queryTs: typeRef(op.queryType, 'Record<string, never>'),
    paramsValidator: validators.names.params.get(op.operationId),
    queryValidator: validators.names.query.get(op.operationId),
    headersValidator: validators.names.headers.get(op.operationId),
    bodyValidator: validators.names.body.get(op.operationId),
    secured: op.security.length > 0,
    shorthand: op.name === op.operationId,
  };
  if (op.kind === 'receive') {
    return {
      ...common,
      stream: false as const,
      events: [],
      bodyTs: typeRef(op.bodyType, 'unknown'),
      replyTs: op.replyType ? `T.${op.replyType}` : undefined,
      headersTs: op.headersType ? `T.${op.headersType}` : undefined,
      requestRequired: Boolean(op.paramsType || op.bodyType || op.headersType),
    };
  }
  return {
    ...common,
    stream: true as const,
    bodyTs: typeRef(op.bodyType, op.method === 'GET' ? 'undefined' : 'unknown'),
    metadataTs: typeRef(op.metadataType, 'Record<string, unknown>'),
    replyTs: undefined,
    requestRequired: Boolean(op.paramsType || op.bodyType),
    events: op.events.map((event) => ({
      ...event,
      summary: event.summary ? oneLine(event.summary) : undefined,
      wireKey: event.sseEvent ?? 'message',
      validator: validators.names.events.get(eventKeyOf(op.operationId, event.key)),
    })),
    streamSettings: [
      { name: 'heartbeatMs', value: op.heartbeatMs },
      { name: 'retryMs', value: op.retryMs },
      { name: 'replay', value: op.replay },
      { name: 'maxDurationMs', value: op.maxDurationMs },
      { name: 'maxConnectionsPerIdentity', value: op.maxConnectionsPerIdentity },
    ].filter((setting) => setting.value !== undefined),
  };
}

/** A description as one safe line inside a JSDoc comment. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');
}

/** Import specifiers from the generated folders to the runtime and client packages of this repo. */
function importPaths(options: RenderOptions) {
  const out = path.resolve(options.outDir);
  const relative = (from: string, to: string) => {
    const rel = path.relative(from, to).split(path.sep).join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  return {
    runtime: relative(out, path.join(REPO_ROOT, 'runtime/index.js')),
    runtimeTypes: relative(out, path.join(REPO_ROOT, 'runtime/types.js')),
    client: relative(path.join(out, 'client'), path.join(REPO_ROOT, 'client/index.js')),
    clientTypes: relative(path.join(out, 'client'), path.join(REPO_ROOT, 'client/types.js')),
    serverFromHandlers: relative(path.resolve(options.handlersDir), path.join(out, 'server.js')),
  };
}
