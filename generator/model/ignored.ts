/**
 * What a served operation's document says that the generated code does not do: each such
 * construct is a warning at the place it is written, so nothing is dropped in silence.
 */
import type { ChannelInterface, MessageInterface, OperationInterface } from '@asyncapi/parser';
import type { Diagnostic } from '../diagnostics.js';
import { isObject } from './schemas.js';
import { pointerPath, type JsonPath, type SourceSet } from '../load/sources.js';

/** HTTP operation binding fields the generator reads. */
const READ_HTTP_OPERATION_FIELDS = new Set(['method', 'query', 'bindingVersion']);

export function ignoredConstructs(operation: OperationInterface, channel: ChannelInterface, sources: SourceSet): Diagnostic[] {
  const found: Diagnostic[] = [];
  const warn = (pointer: string, field: string, text: string) => found.push(warning(sources, [...pointerPath(pointer), field], text));
  const id = operation.id() ?? '';
  const json = operation.json() as Record<string, unknown>;

  for (const [protocol, binding] of Object.entries(isObject(json.bindings) ? json.bindings : {})) {
    if (protocol !== 'http') {
      warn(operation.jsonPath('bindings'), protocol, `operation "${id}": the ${protocol} binding is ignored (served over HTTP)`);
      continue;
    }
    for (const field of Object.keys(isObject(binding) ? binding : {}).filter((f) => !READ_HTTP_OPERATION_FIELDS.has(f))) {
      warn(operation.jsonPath('bindings/http'), field, `operation "${id}": http binding field "${field}" is ignored (only method and query are read)`);
    }
  }

  const reply = isObject(json.reply) ? json.reply : undefined;
  if (reply && operation.isSend()) {
    warn(operation.jsonPath(), 'reply', `operation "${id}": a reply on a stream is ignored (a stream answers with events)`);
  } else if (reply?.address !== undefined) {
    warn(operation.jsonPath('reply'), 'address', `operation "${id}": reply.address is ignored (the reply is the body of the HTTP response)`);
  }

  const channelJson = channel.json() as Record<string, unknown>;
  for (const protocol of Object.keys(isObject(channelJson.bindings) ? channelJson.bindings : {})) {
    warn(channel.jsonPath('bindings'), protocol, `channel "${channel.id()}": the ${protocol} channel binding is ignored`);
  }
  for (const server of channel.servers().all()) {
    const pathname = server.pathname();
    if (pathname && pathname !== '/') {
      warn(server.jsonPath(), 'pathname', `server "${server.id()}": pathname ${pathname} is not prepended to the paths; mount the generated router under it`);
    }
  }
  for (const parameter of channel.parameters().all()) {
    if (parameter.location()) {
      warn(parameter.jsonPath(), 'location', `channel "${channel.id()}": parameter "${parameter.id()}" location is ignored (the value comes from the path)`);
    }
  }

  for (const message of operation.messages().all()) found.push(...ignoredInMessage(message, operation, sources));
  return found;
}

function ignoredInMessage(message: MessageInterface, operation: OperationInterface, sources: SourceSet): Diagnostic[] {
  const found: Diagnostic[] = [];
  const json = message.json() as Record<string, unknown>;
  const name = message.name() ?? message.id();
  const warn = (fields: string[], text: string) => found.push(warning(sources, [...pointerPath(message.jsonPath()), ...fields], text));
  if (json.headers !== undefined && operation.isSend()) {
    warn(['headers'], `message "${name}": headers are not sent (an SSE event has no headers of its own)`);
  }
  for (const protocol of Object.keys(isObject(json.bindings) ? json.bindings : {})) {
    warn(['bindings', protocol], `message "${name}": the ${protocol} message binding is ignored`);
  }
  if (json.correlationId !== undefined) {
    warn(['correlationId'], `message "${name}": correlationId is ignored (no correlation is generated)`);
  }
  return found;
}

function warning(sources: SourceSet, path: JsonPath, message: string): Diagnostic {
  return { ...sources.locateWritten(path), severity: 'warning', message, code: 'not-implemented' };
}
