/**
 * The shared Gitter example writes its payloads in `{ schemaFormat, schema }` wrappers: they
 * become specific types and validators that reject what the schema forbids.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { typeAssertions } from './corpus.js';
import { generate, removeDir, scratchDir, typecheck } from './helpers.js';
import { EXAMPLES, describeExamples } from './shared-examples.js';

describeExamples('the Gitter example (payloads in schemaFormat wrappers)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = scratchDir('gitter');
    const run = await generate('--spec', path.join(EXAMPLES, 'gitter-streaming-asyncapi.yml'), '--out', path.join(dir, 'generated'), '--handlers', path.join(dir, 'handlers'));
    expect(run.code, run.stderr).toBe(0);
  }, 60_000);

  afterAll(() => removeDir(dir));

  it('types the events from the wrapped schemas', async () => {
    const types = [
      { name: `ChatMessage['id']`, text: 'string | undefined' },
      { name: `ChatMessage['sent']`, text: 'string | undefined' },
      { name: `ChatMessage['unread']`, text: 'boolean | undefined' },
      { name: 'Heartbeat', text: `'\\r\\n'` },
    ];
    writeFileSync(path.join(dir, 'assertions.ts'), typeAssertions({ types, compiles: [], fails: [] }, './generated'));
    const result = await typecheck([dir]);
    expect(result.output).toBe('');
  }, 60_000);

  it('validates the events against the wrapped schemas', async () => {
    const validators = (await import(path.join(dir, 'generated/validators.js'))) as Record<string, (value: unknown) => boolean>;
    expect(validators.validateChatMessage!({ id: '53307860c3599d1de448e19d', unread: true })).toBe(true);
    expect(validators.validateChatMessage!({ id: 53307860 })).toBe(false);
    expect(validators.validateChatMessage!({ sent: 'yesterday' })).toBe(false);
    expect(validators.validateHeartbeat!('\r\n')).toBe(true);
    expect(validators.validateHeartbeat!('ping')).toBe(false);
  });
});
