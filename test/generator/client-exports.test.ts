/**
 * The generated client passes on the client runtime's `HttpError` and subscription types, but a
 * type the spec declares under one of those names stays the spec's own.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TICKER_SPEC, generate, removeDir, scratchProject, typecheck } from './helpers.js';

const project = scratchProject('client-exports', TICKER_SPEC.replaceAll('Tick', 'Subscription'));
afterAll(() => removeDir(project.dir));

it('re-exports the client runtime names the spec does not declare itself', async () => {
  const run = await generate(...project.args);
  expect(run.code, run.stderr).toBe(0);
  writeFileSync(
    path.join(project.dir, 'consumer.ts'),
    `import { HttpError, type ConnectionStatus, type Subscription } from './generated/client/index.js';
export const own: Subscription = { symbol: 'ACME' };
export const failure: HttpError = new HttpError(404);
export const status: ConnectionStatus = { type: 'open' };
`,
  );
  const result = await typecheck([project.dir]);
  expect(result.output).toBe('');
  expect(result.ok).toBe(true);
}, 60_000);
