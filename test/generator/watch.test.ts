/** --watch regenerates when the spec or a file it $refs changes, survives a broken spec, one summary line per run. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, TICKER_SPEC, removeDir, scratchProject } from './helpers.js';

/** The ticker, with one schema in a second file. */
const SPEC = `${TICKER_SPEC}        price:
          $ref: './price.yaml#/Price'
`;

const project = scratchProject('watch', SPEC);
writeFileSync(path.join(project.dir, 'price.yaml'), 'Price:\n  type: number\n');
afterAll(() => removeDir(project.dir));

it('regenerates when the spec or a $ref\'d file changes, survives a broken spec, one summary line per run', async () => {
  const { spec, out, args } = project;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'generator/commands/generate.ts'), ...args, '--watch'], { cwd: REPO_ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const summaries = () => stdout.match(/^\d+ written, \d+ unchanged, \d+ scaffolded in /gm)?.length ?? 0;
  const until = async (condition: () => boolean) => {
    for (let waited = 0; !condition(); waited += 50) {
      if (waited > 20_000) throw new Error(`timed out; stdout: ${stdout} stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await until(() => summaries() === 1);
    writeFileSync(spec, SPEC.replace('  version: 1.0.0', '   version: 1.0.0'));
    await until(() => stderr.includes('generation failed'));
    expect(stderr).not.toMatch(/\n\s+at /);
    writeFileSync(spec, SPEC.replace('Ticker', 'Ticker 2'));
    await until(() => summaries() === 2);
    expect(readFileSync(path.join(out, 'server.ts'), 'utf8')).toContain('"Ticker 2"');
    writeFileSync(path.join(project.dir, 'price.yaml'), 'Price:\n  type: number\n  description: Last traded price.\n');
    await until(() => summaries() === 3);
    expect(readFileSync(path.join(out, 'types.ts'), 'utf8')).toContain('Last traded price.');
    expect(child.exitCode).toBe(null);
  } finally {
    child.kill();
  }
}, 40_000);
