/**
 * A private `redis-server` for a test: a free 127.0.0.1 port, a temporary folder, stopped after.
 * Without `redis-server` on PATH the Redis suites skip with a message, unless `REQUIRE_REDIS=1`
 * (set by `.ci/run`) makes that a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { freePort } from '../demo/process.js';

const available = spawnSync('redis-server', ['--version']).status === 0;
if (!available) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error('REQUIRE_REDIS=1 but redis-server is not on PATH (apt-get install redis-server)');
  console.warn('skipping the Redis suites: redis-server is not on PATH');
}

/** `describe` when redis-server can be started, `describe.skip` otherwise. */
export const describeRedis = available ? describe : describe.skip;

export interface RedisServer {
  url: string;
  port: number;
  /** A client for the test itself (closed by `stop`). */
  client: Redis;
  /** Kills the server at once (SIGKILL); `start` brings it back on the same port and data. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as in a long GC pause or a stalled VM. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

/**
 * Starts a server. `durable` writes every command to an append-only file before answering, so
 * what was acknowledged survives `kill`; `replicaOf` makes it a replica of the server at that port.
 */
export async function startRedisServer(options: { durable?: boolean; replicaOf?: number } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-test-'));
  // A replica syncs at once, not after the default 5 s wait for more replicas.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--repl-diskless-sync-delay', '0'];
  args.push(...(options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  if (options.replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(options.replicaOf));
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    child = await spawnRedisServer(args);
  }

  async function kill(): Promise<void> {
    const server = child;
    child = null;
    if (server) await killProcess(server);
  }

  await start();
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: null });
  // Outages are what some tests are about; the client reconnects by itself.
  client.on('error', () => {});
  return {
    url,
    port,
    client,
    kill,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async stop() {
      client.disconnect();
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `redis-server` with `args`; settles once it accepts connections. */
export async function spawnRedisServer(args: string[]): Promise<ChildProcess> {
  const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  return server;
}

/** SIGKILLs a server (a crash, as far as its clients can tell) and waits for it to exit. */
export async function killProcess(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGKILL');
  await exited;
}
