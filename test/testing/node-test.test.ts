/** `asyncapi-sse/testing` under `node --test`: a passing suite, and the same suite failing at an invalid event. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const suite = path.join(import.meta.dirname, 'node-suite.ts');

/** `node --test` on the suite, loading TypeScript through tsx (the package from source, as vitest.config.ts sets). */
async function nodeTest(env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx/esm', '--test', '--test-reporter=tap', suite], { env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: (error.stdout ?? '') + (error.stderr ?? '') }),
  );
}

describe('a suite under node --test', () => {
  it('passes', async () => {
    const { code, output } = await nodeTest();
    expect(output).toMatch(/^# pass 3$/m);
    expect(output).toMatch(/^# fail 0$/m);
    expect(code).toBe(0);
  }, 60_000);

  it('fails at an invalid event, showing the event and the schema error', async () => {
    const { code, output } = await nodeTest({ BREAK_PRICES: '1' });
    expect(code).toBe(1);
    expect(output).toMatch(/^# pass 2$/m);
    expect(output).toMatch(/^# fail 1$/m);
    expect(output).toContain('streamPrices: waiting for event "priceUpdate", got event "priceUpdate" that does not match its schema: /price must be > 0');
    expect(output).toContain('payload: {"symbol":"ACME","price":-1,"change":0,"timestamp":1}');
  }, 60_000);
});
