/** Sending an undeclared event or a payload of the wrong type fails to compile. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, removeDir, scratchDir, typecheck } from './helpers.js';

const SOURCE = path.join(REPO_ROOT, 'test/generator/send-types.ts');
const dir = scratchDir('types');
afterAll(() => removeDir(dir));

it('accepts declared events and rejects every marked misuse', async () => {
  const source = readFileSync(SOURCE, 'utf8');
  const expectedErrors = source.match(/^\s*\/\/ @ts-expect-error/gm)?.length ?? 0;
  expect(expectedErrors).toBeGreaterThanOrEqual(8);

  // The file as written must compile (every marked line fails); without the markers, exactly the
  // marked lines must fail.
  const relocated = source.replaceAll("'../../", `'${path.relative(dir, REPO_ROOT).split(path.sep).join('/')}/`);
  writeFileSync(path.join(dir, 'as-written.ts'), relocated);
  writeFileSync(path.join(dir, 'unmarked.ts'), relocated.replace(/^\s*\/\/ @ts-expect-error.*\n/gm, ''));

  const result = await typecheck([dir]);
  const errors = result.output.split('\n').filter((line) => /error TS\d+/.test(line));
  expect(errors.every((line) => line.includes('unmarked.ts')), result.output).toBe(true);
  expect(errors).toHaveLength(expectedErrors);
}, 60_000);
