/**
 * `asyncapi-sse build-client`: turns the generated client (`generated/client/`) into a publishable
 * npm package in `client-package/`: minified ESM for browsers and Node, `.d.ts` declarations
 * (the client runtime's included, so the package depends on nothing), its own package.json,
 * optional validators as a separate entry. Fails when anything pulls in a Node built-in or
 * server code, and prints the min+gzip size of each entry.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from '@stoplight/yaml';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { CompilerOptions } from 'typescript';
import { usageOf } from './commands.js';
import type { Output } from './output.js';

const CLIENT_SPECIFIER = 'asyncapi-sse/client';
/** The client runtime this process resolves: the compiled package, or its sources inside this repository. */
const clientRuntime = fileURLToPath(import.meta.resolve(CLIENT_SPECIFIER));
const serverRuntimeDir = path.dirname(fileURLToPath(import.meta.resolve('asyncapi-sse/runtime')));
/** Folder of the client runtime's declarations inside the package's `types/`. */
const CLIENT_TYPES = 'asyncapi-sse-client';

class BuildError extends Error {}

interface BuildOptions {
  /** Folder holding the generated `index.ts` and, optionally, `validators.js` (+ `.d.ts`). */
  entry: string;
  out: string;
  /** AsyncAPI document the package name and version come from. */
  spec: string;
}

const forbidNodeBuiltins: Plugin = {
  name: 'forbid-node-builtins',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, ({ path: request, importer }) => {
      if (!request.startsWith('node:') && !builtinModules.includes(request)) return undefined;
      const from = path.relative(process.cwd(), importer);
      return { errors: [{ text: `${from} imports the Node built-in "${request}"; the client must run in browsers too` }] };
    });
  },
};

/** Generated code imports the client runtime by package name; bundle the one this process resolves. */
const resolveClientRuntime: Plugin = {
  name: 'resolve-client-runtime',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^asyncapi-sse\/client$/ }, () => ({ path: clientRuntime }));
  },
};

/** Bundles one entry; returns its size minified and min+gzip. */
async function bundle(entryPoint: string, outfile: string): Promise<{ bytes: number; gzipBytes: number; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    minify: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [resolveClientRuntime, forbidNodeBuiltins],
  }).catch((error: { errors?: Array<{ text: string }> }) => {
    throw new BuildError(error.errors?.map((e) => e.text).join('\n') ?? String(error));
  });
  const code = await readFile(outfile);
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}

function assertNoServerCode(metafile: Metafile): void {
  // The client runtime's folder lies inside the server runtime's (both are the runtime package).
  const folder = (dir: string) => `${path.relative(process.cwd(), dir)}/`;
  const isServerCode = (input: string) =>
    (input.includes(folder(serverRuntimeDir)) && !input.includes(folder(path.dirname(clientRuntime)))) || input.includes('node_modules/express/');
  const offending = Object.keys(metafile.inputs).filter(isServerCode);
  if (offending.length > 0) throw new BuildError(`the client bundle includes server code: ${offending.join(', ')}`);
}

/** Emits the declarations of `rootFile` and what it imports. The compiler loads only here: a failed bundle never waits for it. */
async function emit(rootFile: string, options: CompilerOptions): Promise<void> {
  const { default: ts } = await import('typescript');
  const program = ts.createProgram([rootFile], {
    declaration: true,
    emitDeclarationOnly: true,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    ...options,
  });
  const { diagnostics } = program.emit();
  const all = [...ts.getPreEmitDiagnostics(program), ...diagnostics];
  if (all.length > 0) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    throw new BuildError(ts.formatDiagnostics(all, host).trim());
  }
}

/** The client runtime's declarations in `dir`: copied from the compiled package, or emitted from its sources. */
async function clientRuntimeDeclarations(dir: string): Promise<void> {
  if (clientRuntime.endsWith('.ts')) {
    await emit(clientRuntime, { rootDir: path.dirname(clientRuntime), outDir: dir });
    return;
  }
  await mkdir(dir, { recursive: true });
  const compiled = path.dirname(clientRuntime);
  for (const file of await readdir(compiled)) {
    if (file.endsWith('.d.ts')) await copyFile(path.join(compiled, file), path.join(dir, file));
  }
}

/**
 * Emits `.d.ts` files for the entry and everything it imports, type-checked against DOM only (no
 * Node types), with `asyncapi-sse/client` pointing at the runtime's declarations in the package.
 */
async function emitDeclarations(entryFile: string, rootDir: string, typesDir: string): Promise<void> {
  const runtimeTypes = path.join(typesDir, CLIENT_TYPES);
  await clientRuntimeDeclarations(runtimeTypes);
  await emit(entryFile, { rootDir, outDir: typesDir, paths: { [CLIENT_SPECIFIER]: [path.join(runtimeTypes, 'index.d.ts')] } });
}

/** Points the package's own declarations at its copy of the client runtime's. */
async function relinkClientRuntime(typesDir: string): Promise<void> {
  const runtimeTypes = path.join(typesDir, CLIENT_TYPES);
  const files = (await readdir(typesDir, { recursive: true })).map((file) => path.join(typesDir, file));
  for (const file of files.filter((f) => f.endsWith('.d.ts') && !f.startsWith(`${runtimeTypes}${path.sep}`))) {
    const text = await readFile(file, 'utf8');
    const relative = path.relative(path.dirname(file), path.join(runtimeTypes, 'index.js')).split(path.sep).join('/');
    const specifier = relative.startsWith('.') ? relative : `./${relative}`;
    const relinked = text.replace(/(['"])asyncapi-sse\/client\1/g, `'${specifier}'`);
    if (relinked !== text) await writeFile(file, relinked);
  }
}

/** npm package name from the document title: `Real-time Cookbook` → `real-time-cookbook`. */
function packageName(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'asyncapi-client';
}

async function readInfo(specFile: string): Promise<{ title: string; version: string }> {
  const document = parseYaml(await readFile(specFile, 'utf8')) as { info?: { title?: unknown; version?: unknown } } | null;
  const { title, version } = document?.info ?? {};
  if (typeof title !== 'string') throw new BuildError(`${specFile}: info.title is missing`);
  return { title, version: typeof version === 'string' ? version : '0.0.0' };
}

const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function buildClient({ entry, out, spec }: BuildOptions): Promise<string[]> {
  const entryFile = path.join(entry, 'index.ts');
  if (!existsSync(entryFile)) throw new BuildError(`${path.relative(process.cwd(), entryFile)} not found: run \`npm run generate\` first`);
  const validatorsFile = path.join(entry, 'validators.js');
  const hasValidators = existsSync(validatorsFile);
  const { title, version } = await readInfo(spec);
  const insideOut = (folder: string) => !path.relative(out, folder).startsWith('..');
  if (insideOut(process.cwd()) || insideOut(entry)) throw new BuildError(`refusing to replace ${out}: it holds the project or the client sources`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const client = await bundle(entryFile, path.join(out, 'index.js'));
  assertNoServerCode(client.metafile);
  const runtimeOnly = await bundle(clientRuntime, path.join(out, '.runtime-size.js'));
  await rm(path.join(out, '.runtime-size.js'));
  const typesDir = path.join(out, 'types');
  // The generated folder: the client and the types.ts it imports.
  const rootDir = path.dirname(entry);
  await emitDeclarations(entryFile, rootDir, typesDir);
  const typesOf = (file: string) => `./${path.relative(out, path.join(typesDir, path.relative(rootDir, file))).replace(/\.(ts|js)$/, '.d.ts')}`;

  const exports: Record<string, { types?: string; default: string }> = {
    '.': { types: typesOf(entryFile), default: './index.js' },
  };
  const report = [
    `${packageName(title)}@${version} in ${path.relative(process.cwd(), out) || '.'}`,
    `  index.js       ${kilobytes(client.bytes)} min, ${kilobytes(client.gzipBytes)} min+gzip (client runtime alone: ${kilobytes(runtimeOnly.gzipBytes)})`,
  ];
  if (hasValidators) {
    const validators = await bundle(validatorsFile, path.join(out, 'validators.js'));
    assertNoServerCode(validators.metafile);
    const declarations = validatorsFile.replace(/\.js$/, '.d.ts');
    const typed = existsSync(declarations);
    if (typed) await copyFile(declarations, path.join(typesDir, path.relative(rootDir, declarations)));
    exports['./validators'] = typed ? { types: typesOf(validatorsFile), default: './validators.js' } : { default: './validators.js' };
    report.push(`  validators.js  ${kilobytes(validators.bytes)} min, ${kilobytes(validators.gzipBytes)} min+gzip`);
  }
  const manifest = {
    name: packageName(title),
    version,
    description: `Typed Server-Sent Events client for ${title}`,
    type: 'module',
    sideEffects: false,
    exports,
    types: exports['.']?.types,
    engines: { node: '>=20' },
  };
  await relinkClientRuntime(typesDir);
  await writeFile(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return report;
}

/** Runs `build-client`; resolves to the exit code. */
export async function runBuildClient(argv: string[], output: Output): Promise<number> {
  let values: { entry: string; out: string; spec: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        entry: { type: 'string', default: 'generated/client' },
        out: { type: 'string', default: 'client-package' },
        spec: { type: 'string', default: 'asyncapi.yaml' },
      },
      strict: true,
    }));
  } catch (error) {
    output.err(`${(error as Error).message}\n${usageOf('build-client')}`);
    return 2;
  }
  try {
    const report = await buildClient({ entry: path.resolve(values.entry), out: path.resolve(values.out), spec: path.resolve(values.spec) });
    for (const line of report) output.out(line);
    return 0;
  } catch (error) {
    const known = error instanceof BuildError || (error instanceof Error && 'code' in error);
    output.err(`build-client: ${known ? (error as Error).message : String(error)}`);
    return 1;
  }
}
