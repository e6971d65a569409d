/**
 * The one seam between generation and the parser's, Spectral's and ajv's internals: the validator
 * caches (structure.ts, ruleset-validator.ts, meta-schema-validators.ts) reach into modules those packages do not
 * export. Should an upgrade move what they reach for, each cache steps aside and ajv compiles
 * as it would without it: generation stays correct, only slower.
 * Importing the generator patches nothing: the `generate` and `diff` commands call
 * `installValidatorCaches()` when they start, so a process that only embeds the pipeline (the
 * @asyncapi/generator template inside the AsyncAPI CLI) keeps ajv as it found it.
 */
import { useCachedMetaSchemaValidators } from './meta-schema-validators.js';
import { useCachedRulesetValidator } from './ruleset-validator.js';
import { useCachedStructureValidators } from './structure.js';

/** Installs every validator cache that can be installed, in this process; the others are left out. */
export async function installValidatorCaches(): Promise<void> {
  for (const install of [useCachedStructureValidators, useCachedRulesetValidator, useCachedMetaSchemaValidators]) {
    try {
      await install();
    } catch {
      // Internals moved: this cache is skipped.
    }
  }
}

/**
 * What a cache hands back for a schema, or undefined (compile as usual) when looking it up fails
 * for any reason: a cache is never the reason a compile fails.
 */
export function reuseOrUndefined<T>(lookUp: () => T | undefined): T | undefined {
  try {
    return lookUp();
  } catch {
    return undefined;
  }
}
