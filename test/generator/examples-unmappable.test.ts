/**
 * Shared examples with nothing servable over HTTP (MQTT or WebSocket only): exit 1 with one
 * reason per operation, and every other document is accounted for.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadSpec } from '../../generator/load/load.js';
import { generate, removeDir, scratchDir } from './helpers.js';
import { EXAMPLES, MAPPABLE, NOT_MAPPABLE, describeExamples, documents } from './shared-examples.js';

describeExamples('the shared examples folder', () => {
  it('holds no document this suite does not know', () => {
    expect(documents()).toEqual([...MAPPABLE, ...NOT_MAPPABLE].sort());
  });
});

describeExamples.each(NOT_MAPPABLE)('%s (nothing served over HTTP)', (file) => {
  it('exits 1 with one reason per operation and no stack trace', async () => {
    const dir = scratchDir('unmappable');
    try {
      const spec = path.join(EXAMPLES, file);
      const run = await generate('--spec', spec, '--out', path.join(dir, 'out'), '--handlers', path.join(dir, 'handlers'));
      const operationCount = (await loadSpec(spec)).document.operations().length;
      expect(run.code).toBe(1);
      expect(run.stderr.match(/warning operation "[^"]+" skipped: .* \(not-sse-mappable\)$/gm)).toHaveLength(operationCount);
      expect(run.stderr).toMatch(/error nothing to generate: no operation maps to an HTTP endpoint \(nothing-to-generate\)$/m);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      removeDir(dir);
    }
  });
});
