/**
 * The scaffolded mock handlers send examples that pass the generated validators, whatever
 * keywords the payload schema uses, and prefer the spec's own valid examples.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate, removeDir, scratchProject, type Project } from './helpers.js';

const PAYLOADS: Record<string, string> = {
  formats: `type: object
          required: [at, day, mail, site, id, ip]
          properties:
            at: { type: string, format: date-time }
            day: { type: string, format: date }
            mail: { type: string, format: email }
            site: { type: string, format: uri }
            id: { type: string, format: uuid }
            ip: { type: string, format: ipv4 }`,
  bounds: `type: object
          required: [small, ratio, step, word, list]
          properties:
            small: { type: integer, minimum: 10, maximum: 12 }
            ratio: { type: number, exclusiveMinimum: 0, exclusiveMaximum: 1 }
            step: { type: integer, minimum: 7, multipleOf: 5 }
            word: { type: string, minLength: 20, maxLength: 25 }
            list: { type: array, minItems: 3, uniqueItems: true, items: { type: string } }`,
  choices: `type: object
          required: [kind, fixed, either, nullable, openApiNullable]
          properties:
            kind: { type: string, enum: [b, a] }
            fixed: { const: 42 }
            either:
              oneOf:
                - { type: object, required: [x], properties: { x: { type: integer } }, additionalProperties: false }
                - { type: string }
            nullable: { type: [string, 'null'] }
            openApiNullable: { type: integer, nullable: true }`,
  combined: `allOf:
            - { type: object, required: [a], properties: { a: { type: string } } }
            - { type: object, required: [b], properties: { b: { type: boolean } } }`,
  schemaExample: `type: object
          required: [currency, amount]
          properties:
            currency: { type: string, pattern: '^[A-Z]{3}$', example: EUR }
            amount: { type: integer, example: 250 }`,
  wholeSchemaExample: `type: object
          required: [currency]
          example: { currency: USD, note: paid }
          properties:
            currency: { type: string, pattern: '^[A-Z]{3}$' }
            note: { type: string }`,
  onlyRequiredValid: `type: object
          required: [id]
          maxProperties: 1
          properties:
            id: { type: string }
            note: { type: string }`,
  badExample: `type: object
          required: [n]
          properties:
            n: { type: integer, minimum: 1 }`,
};

const SPEC = `asyncapi: 3.0.0
info:
  title: Examples
  version: 1.0.0
channels:
  things:
    address: /things
    messages:
${Object.entries(PAYLOADS)
  .map(([key, payload]) => `      ${key}:\n        payload:\n          ${payload}`)
  .join('\n')}
      withExample:
        payload: { type: object, properties: { n: { type: integer } } }
        examples:
          - payload: { n: 7 }
operations:
  streamThings:
    action: send
    channel:
      $ref: '#/channels/things'
    messages:
${[...Object.keys(PAYLOADS), 'withExample'].map((key) => `      - $ref: '#/channels/things/messages/${key}'`).join('\n')}
`;

let project: Project;
let stub: string;
let note: string;

beforeAll(async () => {
  // The spec's example for `badExample` breaks its own schema, so the stub must not use it.
  const withBadExample = SPEC.replace(
    `      withExample:`,
    `        examples:\n          - payload: { n: 0 }\n      withExample:`,
  );
  project = scratchProject('stubs', withBadExample);
  const run = await generate(...project.args);
  expect(run.code, run.stderr).toBe(0);
  note = run.stderr;
  stub = readFileSync(path.join(project.handlers, 'streamThings.ts'), 'utf8');
});

afterAll(() => removeDir(project.dir));

/** Payloads the stub sends, by event key, read back from its source. */
function stubPayloads(): Map<string, unknown> {
  const sends = [...stub.matchAll(/stream\.send\('([^']+)', (.*)\),$/gm)];
  // Each payload is a TypeScript literal of plain data, so it evaluates to the value it prints.
  return new Map(sends.map((m) => [m[1]!, new Function(`return (${m[2]!});`)() as unknown]));
}

it('sends an example for every event, each valid for the generated validator', async () => {
  const validators = (await import(path.join(project.out, 'validators.js'))) as Record<string, (data: unknown) => boolean>;
  const payloads = stubPayloads();
  expect([...payloads.keys()].sort()).toEqual([...Object.keys(PAYLOADS), 'withExample'].sort());
  for (const [key, payload] of payloads) {
    const validate = validators[`validate${key[0]!.toUpperCase()}${key.slice(1)}`]!;
    expect(validate(payload), `${key}: ${JSON.stringify(payload)}`).toBe(true);
  }
});

it('turns OpenAPI-style `nullable: true` into a nullable type and validator', async () => {
  const { validateChoices } = (await import(path.join(project.out, 'validators.js'))) as Record<string, (data: unknown) => boolean>;
  const choices = stubPayloads().get('choices') as Record<string, unknown>;
  expect(validateChoices!({ ...choices, openApiNullable: null })).toBe(true);
  expect(validateChoices!({ ...choices, openApiNullable: 'x' })).toBe(false);
  expect(readFileSync(path.join(project.out, 'types.ts'), 'utf8')).toMatch(/openApiNullable: number \| null;/);
});

it("uses the spec's valid examples and notes each invalid one where it is written", () => {
  expect(stubPayloads().get('withExample')).toEqual({ n: 7 });
  expect(stubPayloads().get('badExample')).not.toEqual({ n: 0 });
  const lines = readFileSync(project.spec, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes('- payload: { n: 0 }')) + 1;
  const col = lines[line - 1]!.indexOf('payload') + 1;
  expect(note).toMatch(new RegExp(`^note: \\S*:${line}:${col} operation "streamThings": this example of event "badExample" does not match its payload schema; the stub sends a synthesized one$`, 'm'));
});

it('uses the schema-level `example` of a payload or of its properties', () => {
  expect(stubPayloads().get('schemaExample')).toEqual({ currency: 'EUR', amount: 250 });
  expect(stubPayloads().get('wholeSchemaExample')).toEqual({ currency: 'USD', note: 'paid' });
});

it('falls back to the required properties only when a fuller value is invalid', () => {
  expect(stubPayloads().get('onlyRequiredValid')).toEqual({ id: 'example id' });
  expect(note).not.toMatch(/no valid example/);
});
