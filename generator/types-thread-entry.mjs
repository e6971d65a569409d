// Worker thread entry for types.ts. Plain JavaScript because a worker does not inherit the
// TypeScript loader of the thread that starts it; this registers it, then serves requests.
// tsx's CommonJS loader runs in this thread; its ES module loader would start a thread of its
// own and pass every import of prettier and json-schema-to-typescript through it.
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/cjs/api';

register();
const { renderTypeDeclarations } = createRequire(import.meta.url)('./types.ts');

parentPort.on('message', async ({ id, schemas }) => {
  try {
    parentPort.postMessage({ id, declarations: await renderTypeDeclarations(schemas) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
