/** The lazily loaded schema parsers claim exactly the formats their packages read. */
import { describe, expect, it } from 'vitest';
import { SCHEMA_FORMAT_PACKAGES, loadSchemaParser } from '../../generator/load/schema-formats.js';

describe('schema format parsers', () => {
  it.each(SCHEMA_FORMAT_PACKAGES)('$name claims the formats it reads', async (pkg) => {
    expect(pkg.mimeTypes).toEqual((await loadSchemaParser(pkg)).getMimeTypes());
  });
});
