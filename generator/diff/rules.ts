/**
 * Breaking changes between two versions of a spec, for clients built from the old one.
 * @asyncapi/diff classifies what it judges by position alone (servers, removed operations, an
 * operation's action); its rule for schemas calls any payload edit breaking, so payloads,
 * request inputs, methods, paths and security are compared here, operation by operation, on the
 * SSE model the server and client are generated from.
 */
import { diff as asyncApiDiff } from '@asyncapi/diff';
import type { Diagnostic } from '../diagnostics.js';
import { locateInSources } from './locate.js';
import { compareSchemas, type Direction } from './schema.js';
import type { OperationModel, SecurityRequirementModel, SseModel } from '../model/model.js';
import { isObject } from '../model/schemas.js';
import type { JsonPath, SourceSet } from '../load/sources.js';

/** One side of the comparison: the model, its bundled document and where its text is. */
export interface SpecVersion {
  model: SseModel;
  sources: SourceSet;
}

/** @asyncapi/diff's verdicts kept: on these paths its positional rules are the right ones. */
const ASYNCAPI_DIFF_PATHS = [/^\/servers(\/|$)/, /^\/operations\/[^/]+$/, /^\/operations\/[^/]+\/action$/, /^\/defaultContentType$/];

export function breakingChanges(before: SpecVersion, after: SpecVersion): Diagnostic[] {
  const found: Diagnostic[] = [...fromAsyncApiDiff(before, after)];
  const afterOps = new Map(after.model.operations.map((op) => [op.operationId, op]));
  for (const op of before.model.operations) {
    const next = afterOps.get(op.operationId);
    if (next) found.push(...new OperationComparison(before, after, op, next).run());
  }
  const seen = new Set<string>();
  return found.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col} ${d.message}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

function fromAsyncApiDiff(before: SpecVersion, after: SpecVersion): Diagnostic[] {
  const output = asyncApiDiff(before.model.document as never, after.model.document as never, {
    override: { '/operations/*': { add: 'non-breaking', remove: 'breaking', edit: 'unclassified' } },
  });
  const changes = output.breaking();
  if (typeof changes === 'string') return [];
  return changes
    .filter((change) => ASYNCAPI_DIFF_PATHS.some((pattern) => pattern.test(change.path)))
    .map((change) => {
      const jsonPath = change.path.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
      const removed = change.action === 'remove';
      const at = locateInSources(removed ? before.sources : after.sources, jsonPath, !removed);
      const isOperation = jsonPath[0] === 'operations' && jsonPath.length === 2;
      const message = isOperation && removed ? `operation "${jsonPath[1]}" removed` : `${change.path} ${removed ? 'removed' : change.action === 'add' ? 'added' : 'changed'}`;
      return { ...at, severity: 'error' as const, message, code: isOperation && removed ? 'removed-operation' : 'asyncapi-diff' };
    });
}

class OperationComparison {
  private readonly found: Diagnostic[] = [];

  constructor(
    private readonly before: SpecVersion,
    private readonly after: SpecVersion,
    private readonly old: OperationModel,
    private readonly next: OperationModel,
  ) {}

  run(): Diagnostic[] {
    const id = this.old.operationId;
    const label = `operation "${id}"`;
    if (this.old.method !== this.next.method) {
      this.report('new', ['operations', id, 'bindings', 'http', 'method'], 'changed-method', `${label}: method changed from ${this.old.method} to ${this.next.method}`);
    }
    if (this.old.specPath !== this.next.specPath) {
      this.report('new', ['operations', id, 'channel', 'address'], 'changed-path', `${label}: path changed from ${this.old.specPath} to ${this.next.specPath}`);
    }
    this.compareMessages(['messages'], this.old.kind === 'stream' ? 'output' : 'input', label);
    if (this.old.kind === 'receive') this.compareMessages(['reply', 'messages'], 'output', `${label} reply`);
    this.compareInput(['x-sse-body'], 'request body', label);
    this.compareInput(['bindings', 'http', 'query'], 'query', label);
    for (const name of this.next.paramNames) {
      if (this.old.paramNames.includes(name)) this.compareAt(['channel', 'parameters', name], 'input', `${label} parameter "${name}"`);
    }
    if (tightened(this.old.security, this.next.security)) {
      this.report('new', ['operations', id, 'security'], 'tightened-security', `${label}: security tightened; old credentials may be refused`);
    }
    return this.found;
  }

  /** Events (or accepted messages) by key: removed ones, then each one's payload and headers. */
  private compareMessages(list: JsonPath, direction: Direction, label: string): void {
    const oldKeys = this.messageKeys(this.before, list);
    const newKeys = this.messageKeys(this.after, list);
    const what = this.old.kind === 'stream' ? 'event' : 'message';
    oldKeys.forEach((key, i) => {
      const j = newKeys.indexOf(key);
      const oldPath = this.messagePath(this.before, list, i);
      if (j < 0) {
        this.report('old', oldPath, 'removed-event', `${label}: ${what} "${key}" removed`, false);
        return;
      }
      const newPath = this.messagePath(this.after, list, j);
      for (const part of ['payload', 'headers']) this.compareSchemaAt([...oldPath, part], [...newPath, part], direction, `${label} ${what} "${key}" ${part}`);
    });
  }

  /** A request input (body, query): new and required, or changed. */
  private compareInput(relative: JsonPath, what: string, label: string): void {
    const path = ['operations', this.old.operationId, ...relative];
    const before = valueAt(this.before.model.document, path);
    const after = valueAt(this.after.model.document, path);
    if (after === undefined) return;
    if (before === undefined) {
      const required = what === 'request body' ? ['the body'] : (isObject(after) && Array.isArray(after.required) ? after.required : []).map((name) => `"${String(name)}"`);
      if (required.length > 0) this.report('new', path, 'new-required-input', `${label}: new required ${what} input ${required.join(', ')}`);
      return;
    }
    this.compareSchemaAt(path, path, 'input', `${label} ${what}`);
  }

  private compareAt(relative: JsonPath, direction: Direction, label: string): void {
    const path = ['operations', this.old.operationId, ...relative];
    this.compareSchemaAt(path, path, direction, label);
  }

  private compareSchemaAt(oldPath: JsonPath, newPath: JsonPath, direction: Direction, label: string): void {
    const before = valueAt(this.before.model.document, oldPath);
    const after = valueAt(this.after.model.document, newPath);
    for (const change of compareSchemas(before, after, direction)) {
      const side = change.side;
      this.report(side, [...(side === 'old' ? oldPath : newPath), ...change.at], change.code, `${label}: ${change.message}`);
    }
  }

  /** Keys of an operation's messages: listed ones, else all of its channel's. */
  private messageKeys(version: SpecVersion, list: JsonPath): string[] {
    const path = this.messagePath(version, list);
    const listed = valueAt(version.model.document, path);
    if (Array.isArray(listed)) {
      const model = version === this.before ? this.old : this.next;
      // The model's events follow the listed order; other messages are named by the key their `$ref` ends in.
      if (list.length === 1 && model.kind === 'stream') return model.events.map((event) => event.key);
      const written = version.sources.root.valueAt(path);
      return listed.map((message, i) => {
        const ref = Array.isArray(written) && isObject(written[i]) ? written[i].$ref : undefined;
        if (typeof ref === 'string') return ref.slice(ref.lastIndexOf('/') + 1);
        return isObject(message) && typeof message.name === 'string' ? message.name : String(i);
      });
    }
    return Object.keys(isObject(listed) ? listed : {});
  }

  /** Path of the list of messages (no index), or of one of them, in the bundled document. */
  private messagePath(version: SpecVersion, list: JsonPath, index?: number): JsonPath {
    const operation = ['operations', this.old.operationId];
    const listed = [...operation, ...list];
    const own = Array.isArray(valueAt(version.model.document, listed));
    if (own) return index === undefined ? listed : [...listed, index];
    const channel = [...operation, ...(list.length > 1 ? [list[0]!] : []), 'channel', 'messages'];
    if (index === undefined) return channel;
    const keys = Object.keys((valueAt(version.model.document, channel) as object | undefined) ?? {});
    return [...channel, keys[index] ?? String(index)];
  }

  private report(side: 'old' | 'new', path: JsonPath, code: string, message: string, followLast = true): void {
    const at = locateInSources(side === 'old' ? this.before.sources : this.after.sources, path, followLast);
    this.found.push({ ...at, severity: 'error', message, code });
  }
}

/** True when a client holding what some old requirement asked for may be refused now. */
function tightened(before: SecurityRequirementModel[], after: SecurityRequirementModel[]): boolean {
  if (after.length === 0) return false;
  if (before.length === 0) return true;
  const names = (r: SecurityRequirementModel) => r.schemes.map((s) => s.name);
  return before.some((old) => !after.some((next) => names(next).every((n) => names(old).includes(n)) && next.scopes.every((s) => old.scopes.includes(s))));
}

function valueAt(document: unknown, path: JsonPath): unknown {
  let value = document;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[String(segment)];
  }
  return value;
}
