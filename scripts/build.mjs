// `npm run build` (run by prepare and prepack): compiles the package to dist/ and copies what the
// compiled generator reads at run time (templates, the worker's plain-JavaScript entry).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('templates', 'dist/templates', { recursive: true });
cpSync('generator/types-thread-entry.mjs', 'dist/generator/types-thread-entry.mjs');
