/**
 * The view model of each template: one interface per template, every value already printed as
 * TypeScript by typed code (print.ts), so templates only lay lines out.
 */

/** What every generated file's header reads. */
export interface FileView {
  specFile: string;
}

/** `name: value` inside an object literal or a type literal; `value` is printed TypeScript. */
export interface Field {
  name: string;
  value: string;
}

/** A line of JSDoc, or undefined for none. */
export type Doc = string | undefined;

export interface TypesView extends FileView {
  declarations: string;
  eventMaps: Array<{
    operationId: string;
    typeName: string;
    events: Array<{ doc: Doc; property: string; typeName: string }>;
  }>;
}

export interface ServerView extends FileView {
  runtimeImport: string;
  runtimeTypes: string[];
  payloadValidators: boolean;
  requestValidators: boolean;
  bodyValidators: boolean;
  titleComment: string;
  serviceFields: Field[];
  endpoints: Array<{ fields: Field[] }>;
  connections: Field[];
  handlers: Array<{ doc: Doc; property: string; handlerType: string; typeFields: Field[] }>;
}

export interface ClientView extends FileView {
  runtimeFunctions: string;
  runtimeTypes: string;
  clientImport: string;
  clientTypesImport: string;
  typesImport: string;
  /** Client runtime exports passed on, so a package user can name them. */
  clientValues: string;
  clientTypes: string;
  operations: Array<{ property: string; fields: Field[]; specType: string }>;
  /** One named request type per operation; a field name ending in `?` is an optional part. */
  requests: Array<{ doc: string; name: string; base: string; fields: Field[] }>;
  methods: Array<{ doc: Doc; property: string; parameter: string; call: string }>;
}

export interface HandlerStubView {
  serverImport: string;
  doc: string;
  name: string;
  handlerType: string;
  stream: boolean;
  /** Stream stubs: one `stream.send(…)` call per example event. */
  sends: string[];
  /** Receive stubs: the result they answer with. */
  result: string;
  purpose: string;
}

export interface HandlersIndexView {
  serverImport: string;
  imports: Array<{ name: string }>;
  entries: string[];
}

/** Client validators by operationId, then event key. */
export type ClientValidatorMap = Array<{ property: string; events: Field[] }>;

export interface ValidatorsJsView extends FileView {
  purpose: string;
  code: string;
  clientMap: ClientValidatorMap;
}

export interface ValidatorsDtsView extends FileView {
  validatorTypeImport: string;
  exportNames: string[];
  clientMap: ClientValidatorMap;
}

export interface TemplateViews {
  'types.ts': TypesView;
  'server.ts': ServerView;
  'client.ts': ClientView;
  'handler.ts': HandlerStubView;
  'handlers-index.ts': HandlersIndexView;
  'validators.js': ValidatorsJsView;
  'validators.d.ts': ValidatorsDtsView;
}
