import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { RawClient, waitUntil } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/shutdown-server.ts', import.meta.url));

describe('graceful shutdown', () => {
  it('ends 1,000 open streams within the deadline, tells each client to come back, and the process exits', async () => {
    const deadlineMs = 3000;
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, String(deadlineMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const reports: Array<Record<string, number>> = [];
    lines.on('line', (line) => reports.push(JSON.parse(line)));
    await waitUntil(() => reports.length === 1, 15_000, 'the server to start');
    const port = reports[0]!.port!;

    const clients: RawClient[] = [];
    for (let i = 0; i < 1000; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.get(port, '/stream', {}, '1.1')))));
    }
    await waitUntil(() => clients.every((c) => c.body.includes(': ok\n')), 10_000, '1,000 open streams');

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(reports[1]!.closedInMs).toBeLessThanOrEqual(deadlineMs);
    await waitUntil(() => clients.every((c) => c.ended), 5000, 'every socket to be closed');
    for (const client of clients) {
      expect(client.body).toContain('retry: 1000\nevent: sse-shutdown\ndata: {}\n\n');
      expect(client.body.endsWith('0\r\n\r\n')).toBe(true);
    }
  });
});
