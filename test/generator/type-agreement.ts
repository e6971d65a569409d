/**
 * A module checking that a spec's generated types and validators agree: every example the stub
 * would send, every body and request the tests post, that the validator accepts, compiles
 * against its type; the same value without a required member, which the validator refuses,
 * does not compile; and every client call compiles with its request parts, not without a
 * required one.
 */
import type { ExampleSynthesizer } from '../../generator/emit/examples.js';
import type { EventModel, OperationModel, SseModel } from '../../generator/model/model.js';
import { key, literal, member } from '../../generator/emit/print.js';
import { isObject, type JsonSchema } from '../../generator/model/schemas.js';
import type { EndpointSpec, ServiceSpec, Validator } from '../../runtime/index.js';

export function typeAgreement(model: SseModel, service: ServiceSpec, examples: ExampleSynthesizer, generatedDir: string): string {
  const schemas = new Map(model.schemas.map((s) => [s.name, s.schema]));
  const lines: string[] = [];
  const agrees = (typeName: string, validate: Validator | undefined, value: unknown) => {
    if (!validate) return;
    lines.push(`  void (${literal(value)} satisfies T.${typeName});`);
    for (const name of requiredMembers(schemas, typeName)) {
      if (!isObject(value) || !(name in value)) continue;
      const { [name]: _, ...without } = value;
      if (validate(without)) continue;
      lines.push(`  // @ts-expect-error ${typeName} requires ${JSON.stringify(name)}`, `  void (${literal(without)} satisfies T.${typeName});`);
    }
  };
  const validExample = (typeName: string, validate: Validator | undefined, specExamples: unknown[] = []) => {
    if (!validate) return undefined;
    const fromSpec = specExamples.find((example) => validate(example));
    return fromSpec !== undefined ? { value: fromSpec } : examples.validExample(typeName, (value) => validate(value));
  };

  for (const op of model.operations) {
    const endpoint = service.endpoints.find((e) => e.operationId === op.operationId);
    if (!endpoint) throw new Error(`no endpoint for ${op.operationId}`);
    for (const event of op.kind === 'stream' ? op.events : []) {
      const validate = eventValidator(endpoint, event);
      const example = validExample(event.typeName, validate, event.examples);
      if (example) agrees(event.typeName, validate, example.value);
    }
    const body = op.bodyType ? validExample(op.bodyType, endpoint.body) : undefined;
    if (op.bodyType && body) agrees(op.bodyType, endpoint.body, body.value);
    if (op.kind === 'receive' && op.replyType && endpoint.kind === 'receive') {
      const reply = validExample(op.replyType, endpoint.reply);
      if (reply) agrees(op.replyType, endpoint.reply, reply.value);
    }
    lines.push(...clientCalls(op, examples, body?.value));
  }
  return [
    `import type * as T from '${generatedDir}/types.js';`,
    `import { createClient } from '${generatedDir}/client/index.js';`,
    '',
    'export function agreement(client: ReturnType<typeof createClient>): void {',
    ...lines,
    '}',
    '',
  ].join('\n');
}

/** A call with every request part, then, for each required part, one without it that must not compile. */
function clientCalls(op: OperationModel, examples: ExampleSynthesizer, body: unknown): string[] {
  const parts: Array<{ name: string; value: unknown; required: boolean }> = [];
  if (op.paramsType) parts.push({ name: 'params', value: examples.forType(op.paramsType), required: true });
  if (op.queryType) parts.push({ name: 'query', value: examples.forType(op.queryType), required: op.queryRequired });
  if (op.bodyType && body !== undefined) parts.push({ name: 'body', value: body, required: true });
  if (op.kind === 'receive' && op.headersType) parts.push({ name: 'headers', value: examples.forType(op.headersType), required: op.headersRequired });
  const call = (included: typeof parts) => `  void ${member('client', op.name)}({ ${included.map((p) => `${key(p.name)}: ${literal(p.value)}`).join(', ')} });`;
  return [
    call(parts),
    ...parts.filter((p) => p.required).flatMap((p) => [`  // @ts-expect-error ${op.name} requires its ${p.name}`, call(parts.filter((other) => other !== p))]),
  ];
}

function eventValidator(endpoint: EndpointSpec, event: EventModel): Validator | undefined {
  return endpoint.kind === 'stream' ? endpoint.events[event.key]?.validate : undefined;
}

/** The names a type's object schema lists in `required` (through `$ref`s to other named types); none for unions. */
function requiredMembers(schemas: Map<string, JsonSchema>, typeName: string): string[] {
  let schema = schemas.get(typeName);
  for (let hops = 0; isObject(schema) && typeof schema.$ref === 'string' && hops < 16; hops++) schema = schemas.get(schema.$ref.split('/').pop()!);
  if (!isObject(schema) || schema.oneOf || schema.anyOf || !Array.isArray(schema.required)) return [];
  return schema.required.filter((name): name is string => typeof name === 'string');
}
