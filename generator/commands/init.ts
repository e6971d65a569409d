/**
 * `asyncapi-sse init`: scaffolds a working service into the current folder from `scaffold/`
 * (spec, server entry, a test of the generated client against it, tsconfig, .gitignore), adds
 * scripts and dependencies to its package.json (created when missing), then generates the code.
 * Refuses, writing nothing, when any file it would create exists.
 */
import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { usageOf } from './commands.js';
import type { Output } from './output.js';
import { ownManifest, type Manifest } from './own-package.js';

const SCAFFOLD = fileURLToPath(new URL('../scaffold/', import.meta.url));
/** Files copied from the scaffold, and where generation writes: none may exist yet. */
const CREATED = ['asyncapi.yaml', 'server.ts', 'test/service.test.ts', 'tsconfig.json', '.gitignore', 'generated', 'handlers'];

const SCRIPTS: Record<string, string> = {
  generate: 'asyncapi-sse generate',
  build: 'asyncapi-sse generate && tsc',
  start: 'npm run build && node dist/server.js',
  test: 'npm run build && node --test dist/test/service.test.js',
};
/** The placeholder `npm init` writes; replaced rather than kept. */
const NPM_PLACEHOLDER_TEST = /^echo "Error: no test specified" && exit 1$/;

/** The service runs on the runtime package; generated validators import the ajv runtime. */
const DEPENDENCIES = ['ajv', 'ajv-formats'];
/** This generator and the compiler build the project; neither is installed in production. */
const DEV_DEPENDENCIES = ['typescript', '@types/node'];
const RUNTIME_PACKAGE = 'asyncapi-sse';
const GENERATOR_PACKAGE = 'asyncapi-sse-generator';

function pinned(name: string): string {
  const version = ownManifest.dependencies?.[name] ?? ownManifest.devDependencies?.[name];
  if (!version) throw new Error(`asyncapi-sse declares no version of ${name}`);
  return version;
}

/** Adds scripts and dependencies; returns notes on what was kept or changed. */
function extendManifest(manifest: Manifest): string[] {
  const notes: string[] = [];
  if (manifest.type !== 'module') {
    if (manifest.type !== undefined) notes.push(`package.json: "type" changed from "${manifest.type}" to "module" (generated code is ES modules)`);
    manifest.type = 'module';
  }
  const scripts = (manifest.scripts ??= {});
  for (const [name, command] of Object.entries(SCRIPTS)) {
    const current = scripts[name];
    if (current === undefined || current === command || NPM_PLACEHOLDER_TEST.test(current)) scripts[name] = command;
    else notes.push(`package.json: kept your "${name}" script; asyncapi-sse's would be: ${command}`);
  }
  const has = (name: string) => manifest.dependencies?.[name] !== undefined || manifest.devDependencies?.[name] !== undefined;
  const dependencies = (manifest.dependencies ??= {});
  // The runtime and the generator are released together, at one version.
  if (!has(RUNTIME_PACKAGE)) dependencies[RUNTIME_PACKAGE] = `^${ownManifest.version}`;
  for (const name of DEPENDENCIES) if (!has(name)) dependencies[name] = pinned(name);
  const devDependencies = (manifest.devDependencies ??= {});
  if (!has(GENERATOR_PACKAGE)) devDependencies[GENERATOR_PACKAGE] = `^${ownManifest.version}`;
  for (const name of DEV_DEPENDENCIES) if (!has(name)) devDependencies[name] = pinned(name);
  return notes;
}

async function readManifest(file: string, folder: string): Promise<Manifest> {
  if (!existsSync(file)) {
    const name = path.basename(folder).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'sse-service';
    return { name, version: '0.1.0', private: true };
  }
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`package.json: ${(error as Error).message}`);
  }
}

/**
 * Copies the scaffold's files into `folder`, never over one that exists. File by file: `fs.cp`
 * with `errorOnExist` refuses the existing destination folder itself on Node 22 and 24.
 */
async function copyScaffold(folder: string): Promise<void> {
  for (const file of await readdir(SCAFFOLD, { recursive: true })) {
    const from = path.join(SCAFFOLD, file);
    if (!(await stat(from)).isFile()) continue;
    const to = path.join(folder, file);
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}

/** Runs `init` in `folder` (the current one for the command); resolves to the exit code. */
export async function runInit(argv: string[], output: Output, folder = process.cwd()): Promise<number> {
  try {
    parseArgs({ args: argv, options: {}, strict: true });
  } catch (error) {
    output.err(`${(error as Error).message}\n${usageOf('init')}`);
    return 2;
  }
  const existing = CREATED.filter((file) => existsSync(path.join(folder, file)));
  if (existing.length > 0) {
    output.err(`init: refusing to overwrite ${existing.join(', ')}; nothing was written`);
    return 1;
  }
  const manifestFile = path.join(folder, 'package.json');
  let manifest: Manifest;
  try {
    manifest = await readManifest(manifestFile, folder);
  } catch (error) {
    output.err(`init: ${(error as Error).message}; nothing was written`);
    return 1;
  }
  const notes = extendManifest(manifest);

  await copyScaffold(folder);
  // npm leaves files named .gitignore out of packages, so the scaffold ships it without the dot.
  await rename(path.join(folder, 'gitignore'), path.join(folder, '.gitignore'));
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  for (const note of notes) output.err(`note: ${note}`);

  const { runCli } = await import('./generate.js');
  const inFolder = (name: string) => path.join(folder, name);
  const code = await runCli(['--spec', inFolder('asyncapi.yaml'), '--out', inFolder('generated'), '--handlers', inFolder('handlers')], output);
  if (code !== 0) return code;
  output.out('Created a service from asyncapi.yaml. Next: npm install && npm test; npm start serves it on port 3000 (PORT).');
  return 0;
}
