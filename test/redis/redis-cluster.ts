/**
 * A private Redis Cluster for a test: three masters (and, if asked, a replica of each) on free
 * 127.0.0.1 ports, made with `redis-cli --cluster create`, stopped after.
 */
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort } from '../demo/process.js';
import { killProcess, spawnRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterServer {
  /** `host:port` of every node, masters first. */
  nodes: string[];
  /** A client of the whole cluster for the test itself (closed by `stop`). */
  client: Cluster;
  /** `host:port` of the master that holds `key`'s slot now. */
  masterOf(key: string): Promise<string>;
  /** SIGKILLs one node, as a crash would. */
  kill(node: string): Promise<void>;
  /** Waits until the cluster serves every slot again (after a replica took over, say) and every replica is in sync. */
  healthy(timeoutMs?: number): Promise<void>;
  /** Waits until a killed master's replica took over its slots and the cluster serves every slot again. */
  promoted(node: string, timeoutMs?: number): Promise<void>;
  /**
   * Moves the slot of `key` to master `to` as `redis-cli --cluster reshard` does, one slot only:
   * IMPORTING and MIGRATING, its keys sent over with MIGRATE, then the new owner told to every master.
   */
  moveSlot(key: string, to: string): Promise<void>;
  stop(): Promise<void>;
}

const MASTERS = 3;

export async function startRedisCluster(options: { replicas?: boolean } = {}): Promise<RedisClusterServer> {
  const count = MASTERS * (options.replicas ? 2 : 1);
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-cluster-test-'));
  const ports: number[] = [];
  const busPorts: number[] = [];
  // Each node's bus port is picked too: the default, port + 10000, may be taken on a busy machine.
  for (let n = 0; n < count; n++) {
    ports.push(await freePort());
    busPorts.push(await freePort());
  }
  const servers = new Map<string, ChildProcess>();
  await Promise.all(
    ports.map(async (port, n) => {
      // A node missing for 1 s is failed over, so the failover test does not wait the default 15 s.
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`];
      args.push('--cluster-port', String(busPorts[n]));
      args.push('--cluster-node-timeout', '1000', '--save', '', '--appendonly', 'no', '--daemonize', 'no');
      // A replica that never synced cannot take over; Redis waits 5 s by default before its first sync.
      args.push('--repl-diskless-sync-delay', '0');
      servers.set(`127.0.0.1:${port}`, await spawnRedisServer(args));
    }),
  );
  const nodes = [...servers.keys()];
  await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', options.replicas ? '1' : '0', '--cluster-yes']);

  async function healthy(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        [...servers.entries()]
          .filter(([, server]) => server.exitCode === null && server.signalCode === null)
          .map(async ([node]) => {
            const served = (await run('redis-cli', ['-u', `redis://${node}`, 'cluster', 'info'])).stdout.includes('cluster_state:ok');
            const replication = (await run('redis-cli', ['-u', `redis://${node}`, 'info', 'replication'])).stdout;
            return served && (!replication.includes('role:slave') || replication.includes('master_link_status:up'));
          }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not become healthy');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function promoted(node: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const alive = () => [...servers.entries()].find(([key, server]) => key !== node && server.exitCode === null && server.signalCode === null)![0];
    for (;;) {
      const { stdout } = await run('redis-cli', ['-u', `redis://${alive()}`, 'cluster', 'nodes']);
      // A line per node: id, host:port@bus, flags, master, ping, pong, epoch, link, then its slot ranges.
      const lost = stdout.split('\n').find((line) => line.split(' ')[1]?.startsWith(`${node}@`));
      if ((lost?.trim().split(' ').slice(8) ?? []).length === 0) break;
      if (Date.now() > deadline) throw new Error(`no replica took over ${node}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await healthy(Math.max(deadline - Date.now(), 1000));
  }

  const cli = async (node: string, ...args: string[]) => (await run('redis-cli', ['-u', `redis://${node}`, ...args])).stdout.trim();

  async function moveSlot(key: string, to: string): Promise<void> {
    const from = await masterOf(key);
    const slot = await cli(from, 'cluster', 'keyslot', key);
    const [fromId, toId] = await Promise.all([cli(from, 'cluster', 'myid'), cli(to, 'cluster', 'myid')]);
    await cli(to, 'cluster', 'setslot', slot, 'importing', fromId);
    await cli(from, 'cluster', 'setslot', slot, 'migrating', toId);
    const [host, port] = to.split(':') as [string, string];
    for (;;) {
      const keys = (await cli(from, 'cluster', 'getkeysinslot', slot, '100')).split('\n').filter(Boolean);
      if (keys.length === 0) break;
      await cli(from, 'migrate', host, port, '', '0', '5000', 'keys', ...keys);
    }
    // The new owner first, so that no master sends a client back to the old one.
    for (const node of [to, from, ...nodes.slice(0, MASTERS).filter((node) => node !== to && node !== from)]) {
      await cli(node, 'cluster', 'setslot', slot, 'node', toId);
    }
  }

  async function masterOf(key: string): Promise<string> {
    const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
    const shards = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
    const [, , [host, port]] = shards.find(([from, to]) => slot >= from && slot <= to)!;
    return `${host}:${port}`;
  }

  await healthy();
  const client = new Cluster(nodes.slice(0, 1), { redisOptions: { maxRetriesPerRequest: null } });
  client.on('error', () => {});
  return {
    nodes,
    client,
    healthy,
    promoted,
    moveSlot,
    masterOf,
    async kill(node) {
      await killProcess(servers.get(node)!);
    },
    async stop() {
      client.disconnect();
      await Promise.all([...servers.values()].map(killProcess));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

