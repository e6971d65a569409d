// `npm run build` of one workspace package (run in its folder, and by its prepack): compiles it to
// its dist/; the generator's also gets what it reads at run time (templates, scaffold, the
// worker's plain-JavaScript entry), and its `asyncapi-sse` command is bundled with its
// dependencies into one file (dist/commands/asyncapi-sse.js, started by dist/commands/bin.js):
// a cold `generate` otherwise resolves and reads some 900 module files of the parser, Spectral and
// ajv, a third of its time.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

const pkg = process.argv[2];
if (pkg !== 'runtime' && pkg !== 'generator') throw new Error(`usage: node build.mjs runtime|generator (got ${pkg})`);
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (pkg === 'generator') {
  cpSync('../templates', 'dist/templates', { recursive: true });
  cpSync('scaffold', 'dist/scaffold', { recursive: true });
  cpSync('emit/declarations-thread-entry.mjs', 'dist/emit/declarations-thread-entry.mjs');
  await bundleCommand();
}

async function bundleCommand() {
  const outfile = path.resolve('dist/commands/asyncapi-sse.js');
  await build({
    entryPoints: ['dist/commands/bin.js'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // 4.1 MB of source to 2.9 MB, which V8 holds for the whole run (peak RSS about 4 MB less).
    // Names stay: renaming them needs keepNames, whose wrapper around every function ajv's
    // code generator creates cost a run with an empty validator cache 1.2 s more CPU.
    minifyWhitespace: true,
    minifySyntax: true,
    // Left out: what loads only when a document or command asks for it (the schema format
    // parsers, build-client's compiler) and esbuild, which ships a native binary.
    external: [
      '@asyncapi/avro-schema-parser',
      '@asyncapi/openapi-schema-parser',
      '@asyncapi/protobuf-schema-parser',
      '@asyncapi/raml-dt-schema-parser',
      'esbuild',
      'typescript',
    ],
    // jsonc-parser's `main` is a UMD build whose requires esbuild cannot follow.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    // The bundled CommonJS packages call `require` for Node's built-ins and their JSON files.
    banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module';\nconst require = createRequireOfBundle(import.meta.url);" },
    plugins: [ownModuleUrls(path.resolve('dist'), path.dirname(outfile)), lazyAsyncapiSpecs()],
    logLevel: 'warning',
  });
  copyFileSync('commands/launch.mjs', 'dist/commands/bin.js');
  chmodSync('dist/commands/bin.js', 0o755);
}

/**
 * Each of the generator's own modules keeps its `import.meta.url` (the file it was compiled to):
 * it finds its templates and worker entry beside it, and a command's "run me when started"
 * check does not fire in the bundle.
 */
function ownModuleUrls(distDir, bundleDir) {
  return {
    name: 'own-module-urls',
    setup(bundler) {
      bundler.onLoad({ filter: /\.js$/ }, ({ path: file }) => {
        if (!file.startsWith(distDir + path.sep)) return undefined;
        const relative = path.relative(bundleDir, file).split(path.sep).join('/');
        const contents = readFileSync(file, 'utf8').replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`);
        return { contents, loader: 'js' };
      });
    },
  };
}

/**
 * @asyncapi/specs requires the JSON Schema of every AsyncAPI version it knows (2.9 MB) when it
 * loads; a run reads one or two. In the bundle each schema is read on first access instead, from
 * the package's own JSON files (the parser's copy of it): bundled as JavaScript object literals
 * they would cost more to compile than JSON.parse. The replacement is checked against the
 * package it stands for: the same groups and versions.
 */
function lazyAsyncapiSpecs() {
  return {
    name: 'lazy-asyncapi-specs',
    setup(bundler) {
      bundler.onLoad({ filter: /[\\/]@asyncapi[\\/]specs[\\/]index\.js$/ }, ({ path: file }) => {
        const requires = [...readFileSync(file, 'utf8').matchAll(/'([^']+)': require\('([^']+)'\)/g)];
        const groups = { schemas: [], schemasWithoutId: [] };
        for (const [, version, json] of requires) groups[json.includes('-without-$id') ? 'schemasWithoutId' : 'schemas'].push([version, json]);
        const original = require(file);
        const same = (name) => JSON.stringify(Object.keys(original[name])) === JSON.stringify(groups[name].map(([version]) => version));
        if (JSON.stringify(Object.keys(original)) !== JSON.stringify(Object.keys(groups)) || !same('schemas') || !same('schemasWithoutId')) {
          throw new Error(`${file} no longer lists its schemas as lazy-asyncapi-specs expects: update the plugin`);
        }
        const getters = (name) =>
          groups[name].map(([version, json]) => `get ${JSON.stringify(version)}() { return specsRequire(${JSON.stringify(path.posix.join('@asyncapi/specs', json))}); }`).join(',\n');
        const specsRequire = "const specsRequire = require('node:module').createRequire(require.resolve('@asyncapi/parser'));";
        return { contents: `${specsRequire}\nmodule.exports = {\nschemas: {\n${getters('schemas')}\n},\nschemasWithoutId: {\n${getters('schemasWithoutId')}\n}\n};\n`, loader: 'js' };
      });
    },
  };
}
