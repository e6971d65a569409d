/**
 * Stage 3b: ajv validators compiled now, emitted as standalone ES modules, so the server
 * compiles nothing when it starts.
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { SpecError, hasErrors, type Diagnostic } from '../diagnostics.js';
import type { SseModel } from '../model/model.js';
import { UNICODE_ONLY, patternProblem, patternRegExp } from '../model/patterns.js';
import { LITERAL_KEYWORDS, isObject, type NamedSchema } from '../model/schemas.js';
import type { Position, SourceSet } from '../load/sources.js';

const DEFINITIONS_ID = 'definitions.json';

/** One exported validator: `exportName` in the emitted module validates the named type. */
export interface ValidatorExport {
  exportName: string;
  typeName: string;
}

/** Source of one emitted validator module and the names it exports. */
export interface ValidatorModule {
  code: string;
  exportNames: string[];
}

export interface ValidatorModules {
  /** Event payloads, request bodies and replies (no coercion). */
  payloads: ValidatorModule;
  /** Path parameters and query strings (strings coerced to the declared types, defaults applied). */
  requests: ValidatorModule;
  /** Request bodies again, listing every problem (run only on a refused body of bounded size). */
  bodyErrors: ValidatorModule;
  /** Event payloads only, for the client bundle. */
  client: ValidatorModule;
  /** exportName for each operation's parts, for the server template. */
  names: ValidatorNames;
  /** Checks a value against a named type (used to vet examples). */
  check(typeName: string, value: unknown): boolean;
  /** Schema keywords ajv could not honour (unknown formats), as warnings where they are written. */
  diagnostics: Diagnostic[];
}

export interface ValidatorNames {
  params: Map<string, string>;
  query: Map<string, string>;
  headers: Map<string, string>;
  /** Also the export name of the body's all-errors twin in the `bodyErrors` module. */
  body: Map<string, string>;
  /** Reply bodies of receive operations. */
  reply: Map<string, string>;
  /** Keyed by `${operationId}\u0000${eventKey}`. */
  events: Map<string, string>;
}

export function eventKeyOf(operationId: string, eventKey: string): string {
  return `${operationId}\u0000${eventKey}`;
}

/** Compiles every validator; a schema ajv rejects (an invalid `pattern`) is a SpecError at its line. */
export function compileValidators(model: SseModel, sources: SourceSet): ValidatorModules {
  // ajv stops at the first bad pattern; checking them all first reports every one in one run.
  const patterns = patternProblems(model.schemas, sources);
  if (hasErrors(patterns)) throw new SpecError(patterns.filter((d) => d.severity === 'error'));
  const logged = new Set<string>();
  try {
    const modules = compileAll(model, (message) => logged.add(message));
    return { ...modules, diagnostics: [...patterns, ...unknownFormats(logged, sources)] };
  } catch (error) {
    if (!(error instanceof Error) || !/^(Invalid regular expression|unknown format)/.test(error.message)) throw error;
    throw new SpecError([ajvDiagnostic(error.message, sources)]);
  }
}

/**
 * Every `pattern` (and `patternProperties` key) that is no regular expression, as an error; one
 * that is one only without the `u` flag, as a warning. Each at every place it is written.
 */
function patternProblems(schemas: NamedSchema[], sources: SourceSet): Diagnostic[] {
  const found = new Map<string, string | undefined>();
  const check = (pattern: string) => found.has(pattern) || found.set(pattern, patternProblem(pattern));
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'pattern' && typeof child === 'string') check(child);
      else if (LITERAL_KEYWORDS.has(key)) continue;
      else if (key === 'patternProperties' && isObject(child)) Object.keys(child).forEach(check);
      visit(child);
    }
  };
  schemas.forEach((s) => visit(s.schema));
  return [...found].flatMap(([pattern, problem]) => {
    if (problem === undefined) return [];
    const severity = problem === UNICODE_ONLY ? 'warning' : 'error';
    const message = problem === UNICODE_ONLY ? `pattern /${pattern}/ is not valid in Unicode mode; validated without the u flag` : problem;
    const places = [...sources.locateKeyValues('pattern', pattern), ...sources.locateKeys(pattern)];
    return (places.length > 0 ? places : [rootPosition(sources)]).map((at) => ({ ...at, severity, message, code: severity === 'warning' ? 'non-unicode-pattern' : 'invalid-schema' }) satisfies Diagnostic);
  });
}

/** Each format ajv-formats does not know, as a warning at every place it is written. */
function unknownFormats(logged: Set<string>, sources: SourceSet): Diagnostic[] {
  const formats = new Set([...logged].flatMap((message) => /^unknown format "([^"]+)"/.exec(message)?.[1] ?? []));
  return [...formats].flatMap((format) =>
    sources.locateKeyValues('format', format).map((at) => ({ ...at, severity: 'warning' as const, message: `unknown format "${format}" is not validated`, code: 'unknown-format' })),
  );
}

/** An ajv compile error as a diagnostic, placed at the `pattern` or `format` it names. */
function ajvDiagnostic(message: string, sources: SourceSet): Diagnostic {
  const pattern = /^Invalid regular expression: \/(.*)\/[a-z]*:/.exec(message)?.[1];
  const format = /^unknown format "([^"]+)"/.exec(message)?.[1];
  const at: Position | undefined =
    pattern !== undefined ? sources.locateKeyValue('pattern', pattern) : format !== undefined ? sources.locateKeyValue('format', format) : undefined;
  const text = format !== undefined ? `unknown format "${format}" is not validated` : message;
  return { ...(at ?? rootPosition(sources)), severity: 'error', message: text, code: format !== undefined ? 'unknown-format' : 'invalid-schema' };
}

function rootPosition(sources: SourceSet): Position {
  return { file: sources.root.displayPath, line: 1, col: 1 };
}

function compileAll(model: SseModel, log: (message: string) => void): Omit<ValidatorModules, 'diagnostics'> {
  const names: ValidatorNames = { params: new Map(), query: new Map(), headers: new Map(), body: new Map(), reply: new Map(), events: new Map() };
  const payloadExports = new Map<string, string>();
  const requestExports = new Map<string, string>();
  const bodyErrorExports = new Map<string, string>();
  const clientExports = new Map<string, string>();
  const exportFor = (exports: Map<string, string>, typeName: string) => {
    const exportName = `validate${typeName}`;
    exports.set(exportName, `${DEFINITIONS_ID}#/definitions/${typeName}`);
    return exportName;
  };

  for (const op of model.operations) {
    if (op.paramsType) names.params.set(op.operationId, exportFor(requestExports, op.paramsType));
    if (op.queryType) names.query.set(op.operationId, exportFor(requestExports, op.queryType));
    if (op.bodyType) {
      names.body.set(op.operationId, exportFor(payloadExports, op.bodyType));
      exportFor(bodyErrorExports, op.bodyType);
    }
    if (op.kind === 'receive' && op.headersType) names.headers.set(op.operationId, exportFor(requestExports, op.headersType));
    if (op.kind === 'receive' && op.replyType) names.reply.set(op.operationId, exportFor(payloadExports, op.replyType));
    if (op.kind !== 'stream') continue;
    for (const event of op.events) {
      names.events.set(eventKeyOf(op.operationId, event.key), exportFor(payloadExports, event.typeName));
      exportFor(clientExports, event.typeName);
    }
  }

  const payloadAjv = createAjv(model.schemas, {}, log);
  return {
    payloads: moduleCode(payloadAjv, payloadExports),
    // Every problem of a path, query string or header set, not just the first: these parts are
    // bounded by Node's 16 KB header limit.
    requests: moduleCode(createAjv(model.schemas, { coerceTypes: 'array', useDefaults: true, allErrors: true }, log), requestExports),
    // A body is bounded only by `bodyLimit` (100 kB of `[1,1,…]` against an array of strings gives
    // 50,000 errors, 48 ms and a 2.9 MB answer; ajv has no cap on errors), so the runtime checks it
    // with the first-error validator and runs this one only on a refused body of at most 16 KiB.
    bodyErrors: moduleCode(createAjv(model.schemas, { allErrors: true }, log), bodyErrorExports),
    client: moduleCode(payloadAjv, clientExports),
    names,
    check: (typeName, value) => (payloadAjv.getSchema(`${DEFINITIONS_ID}#/definitions/${typeName}`) as ValidateFunction)(value),
  };
}

function createAjv(schemas: NamedSchema[], options: Options, log: (message: string) => void): Ajv {
  const logger = { log: () => {}, warn: log, error: log };
  // ajv's optimizer pass takes about half of each compile and only trims always-true checks;
  // without it generation of large specs is markedly faster and the validators behave the same.
  const ajv = new Ajv({ strict: false, allErrors: false, ...options, code: { source: true, esm: true, optimize: false, regExp: patternRegExp }, logger });
  addFormats.default(ajv);
  ajv.addSchema({ $id: DEFINITIONS_ID, definitions: Object.fromEntries(schemas.map((s) => [s.name, s.schema])) });
  return ajv;
}

/**
 * ajv's standalone output still `require`s its runtime helpers (formats, ucs2length) even in
 * ESM mode; hoist those into `import` statements so the module loads as plain ESM. Loaders
 * disagree on what a CommonJS module's namespace holds (Node: `default` is `module.exports`;
 * bundlers: `default` is `exports.default`), so each import is turned back into `module.exports`.
 */
function moduleCode(ajv: Ajv, exports: Map<string, string>): ValidatorModule {
  const exportNames = [...exports.keys()].sort();
  if (exportNames.length === 0) return { code: 'export {};\n', exportNames };
  // ajv exports ASCII names only; Unicode type names (`validateGröße`) are put back afterwards.
  const asciiName = (i: number) => `validator${i}`;
  let code = standaloneCode.default(ajv, Object.fromEntries(exportNames.map((n, i) => [asciiName(i), exports.get(n)!]))).replace(/^"use strict";/, '');
  exportNames.forEach((name, i) => (code = code.replace(`export const ${asciiName(i)} = `, `export const ${name} = `)));
  const imports = new Map<string, string>();
  const body = code.replace(/require\("([^"]+)"\)/g, (_, specifier: string) => {
    const local = imports.get(specifier) ?? `runtime${imports.size}`;
    imports.set(specifier, local);
    return local;
  });
  const header = [...imports]
    .map(([specifier, local]) => `import * as ${local}Namespace from "${specifier}.js";\nconst ${local} = ${local}Namespace.default?.__esModule ? ${local}Namespace.default : ${local}Namespace;`)
    .join('\n');
  return { code: `${header}\n${body}\n`, exportNames };
}
