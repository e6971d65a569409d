/**
 * A private redis-server, or a 3-master Redis Cluster, for one bench run: free 127.0.0.1 ports,
 * nothing persisted, killed after; reads the CPU the redis-server processes used.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CpuSample } from './protocol.js';

const READY_MS = 10_000;
const CLUSTER_MASTERS = 3;
const run = promisify(execFile);
/** /proc/<pid>/stat counts CPU in clock ticks. */
const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** Why runs on Redis cannot be measured, or null when redis-server can be started. */
export function redisServerMissing(): string | null {
  return spawnSync('redis-server', ['--version']).status === 0 ? null : 'redis-server is not on PATH (apt-get install redis-server)';
}

export interface RedisProcess {
  /** What a server instance is given: `--redis-url <url>` or `--redis-cluster <host:port,...>`. */
  args: string[];
  /** CPU every redis-server process of it used since it started. */
  cpu(): CpuSample;
  stop(): void;
}

export async function startRedisServer(): Promise<RedisProcess> {
  const port = await freePort();
  const child = await spawnRedis(['--port', String(port), '--dir', tmpdir()]);
  return { args: ['--redis-url', `redis://127.0.0.1:${port}`], cpu: () => cpuOf([child]), stop: () => void child.kill('SIGKILL') };
}

/** Three masters, no replicas, made with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-redis-cluster-'));
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nodes: string[] = [];
    for (let n = 0; n < CLUSTER_MASTERS; n++) {
      const port = await freePort();
      const args = ['--port', String(port), '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`];
      children.push(await spawnRedis(args));
      nodes.push(`127.0.0.1:${port}`);
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    await clusterReady(nodes);
    return { args: ['--redis-cluster', nodes.join(',')], cpu: () => cpuOf(children), stop };
  } catch (error) {
    stop();
    throw error;
  }
}

async function clusterReady(nodes: string[]): Promise<void> {
  const deadline = Date.now() + READY_MS;
  for (;;) {
    const states = await Promise.all(nodes.map(async (node) => (await run('redis-cli', ['-u', `redis://${node}`, 'cluster', 'info'])).stdout));
    if (states.every((state) => state.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error(`the Redis Cluster was not ready within ${READY_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function spawnRedis(args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', [...args, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready within ${READY_MS} ms`)), READY_MS);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        if (!output.includes('Ready to accept connections')) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output.trim()}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

/** utime and stime of each process, fields 14 and 15 of /proc/<pid>/stat (after the `(comm)` field). */
function cpuOf(children: ChildProcess[]): CpuSample {
  let user = 0;
  let system = 0;
  for (const child of children) {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    user += Number(fields[11]) * TICK_US;
    system += Number(fields[12]) * TICK_US;
  }
  return { user, system };
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}
