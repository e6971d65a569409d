/**
 * The precompiled AsyncAPI structure validators are what the installed parser and ajv would
 * compile; when they are not, `tsx generator/structure.ts` refreshes them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { structureValidatorCode } from '../../generator/structure.js';
import { REPO_ROOT } from './helpers.js';

describe('precompiled structure validators', () => {
  for (const version of ['3.0.0', '3.1.0']) {
    for (const variant of ['resolved', 'unresolved'] as const) {
      it(`match a fresh compile for AsyncAPI ${version} (${variant})`, () => {
        const committed = readFileSync(path.join(REPO_ROOT, 'generator/structure', `asyncapi-${version}-${variant}.cjs`), 'utf8');
        expect(committed === structureValidatorCode(version, variant), 'stale: run `tsx generator/structure.ts`').toBe(true);
      });
    }
  }
});
