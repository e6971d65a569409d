// `npm run build` of one workspace package (run in its folder, and by its prepack): compiles it to
// its dist/; the generator's also gets what it reads at run time (templates, scaffold, the
// worker's plain-JavaScript entry).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const pkg = process.argv[2];
if (pkg !== 'runtime' && pkg !== 'generator') throw new Error(`usage: node build.mjs runtime|generator (got ${pkg})`);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (pkg === 'generator') {
  cpSync('../templates', 'dist/templates', { recursive: true });
  cpSync('scaffold', 'dist/scaffold', { recursive: true });
  cpSync('emit/declarations-thread-entry.mjs', 'dist/emit/declarations-thread-entry.mjs');
}
