// Worker thread entry for declarations.ts. Plain JavaScript because a worker does not inherit the
// TypeScript loader of the thread that starts it. Next to the compiled declarations.js (the published
// package) it loads that; next to declarations.ts it registers tsx first.
// tsx's CommonJS loader runs in this thread; its ES module loader would start a thread of its
// own and pass every import of prettier and json-schema-to-typescript through it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const compiled = new URL('./declarations.js', import.meta.url);
const { renderTypeDeclarations } = existsSync(compiled) ? await import(compiled.href) : await loadSource();

async function loadSource() {
  const { register } = await import('tsx/cjs/api');
  register();
  return createRequire(import.meta.url)('./declarations.ts');
}

parentPort.on('message', async ({ id, schemas }) => {
  try {
    parentPort.postMessage({ id, declarations: await renderTypeDeclarations(schemas) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
