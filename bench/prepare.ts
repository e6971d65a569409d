/** Builds the asyncapi-sse bench server's code from `bench-asyncapi.yaml` through the generator. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATE_MS = 60_000;

/** Returns why asyncapi-sse cannot be benchmarked, or null once its code is generated and current. */
export async function prepareAsyncapiSse(): Promise<string | null> {
  const args = ['--import', 'tsx', 'generator/commands/generate.ts', '--spec', 'bench/bench-asyncapi.yaml', '--out', 'bench/generated', '--handlers', 'bench/handlers'];
  try {
    await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: GENERATE_MS });
    return null;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    return `generating bench/generated failed: ${(stderr || message).trim()}`;
  }
}
