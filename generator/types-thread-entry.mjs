// Worker thread entry for types.ts. Plain JavaScript because a worker does not inherit the
// TypeScript loader of the thread that starts it; this registers it, then serves requests.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { renderTypeDeclarations } = await import('./types.ts');

parentPort.on('message', async ({ id, schemas }) => {
  try {
    parentPort.postMessage({ id, declarations: await renderTypeDeclarations(schemas) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
