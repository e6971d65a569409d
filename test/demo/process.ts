/** Runs `server.ts` (what `npm start` serves) in its own process, as a user would. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

export interface DemoProcess {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the server on a free port, with `env` added to the environment, and resolves once it
 * listens; `TLS_CERT` and `TLS_KEY` in `env` serve HTTPS (HTTP/2 and HTTP/1.1).
 */
export async function startDemoProcess(env: Record<string, string> = {}): Promise<DemoProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Listening on')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`demo server exited with ${code}:\n${output}`)));
  });
  await listening;
  return {
    url: `${env.TLS_CERT ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs the server with `PORT` set to `port`, expecting it to exit; resolves with its exit code and output. */
export async function runDemoProcess(port: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = promisify(execFile);
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'demo/server.ts'], { cwd: ROOT, env: { ...process.env, PORT: port }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}
