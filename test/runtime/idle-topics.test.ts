import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('replay memory of idle topics', () => {
  it('20,000 topics sent one event each and left idle past their TTL: heap and RSS return to within 10% of the baseline', async () => {
    // A process of its own, so that the figures are this workload's alone and gc can be forced.
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/runtime/fixtures/idle-topics.ts'], { timeout: 90_000 });
    const { baseline, peak, after } = JSON.parse(stdout) as Record<'baseline' | 'peak' | 'after', { heap: number; rss: number; topics?: number }>;
    expect(peak.topics).toBe(20_000);
    // The topics cost something while held, so the test would see them kept.
    expect(peak.heap).toBeGreaterThan(baseline.heap * 1.5);
    expect(after.topics).toBe(0);
    expect(after.heap).toBeLessThan(baseline.heap * 1.1);
    expect(after.rss).toBeLessThan(baseline.rss * 1.1);
  }, 120_000);
});
