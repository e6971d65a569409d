/**
 * The normal client of the hostile suite, in a process of its own so the attacker's work in
 * the test process does not delay it: opens `/prices/stream` again and again and reports the
 * time to the first event of each, one number (ms) per line.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = `
const url = process.argv[1];
let running = true;
process.on('SIGTERM', () => { running = false; });
(async () => {
  // The first fetch of a process also loads and compiles the HTTP client: not a server delay.
  await fetch(url + '/asyncapi.json').then((response) => response.text());
  process.stdout.write('ready\\n');
  while (running) {
    const started = performance.now();
    const controller = new AbortController();
    try {
      const response = await fetch(url + '/prices/stream', { signal: controller.signal });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('data:')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      process.stdout.write((text.includes('data:') ? performance.now() - started : -1) + '\\n');
    } catch {
      process.stdout.write('-1\\n');
    }
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  process.exit(0);
})();
`;

export class NormalClient {
  /** Time to first event of each probe; -1 for a probe that got none. */
  readonly times: number[] = [];
  private readonly child: ChildProcess;
  /** Resolves once the child's HTTP client is warm and its first probe starts. */
  readonly ready: Promise<void>;
  private onProbe: (() => void) | undefined;

  constructor(url: string) {
    this.child = spawn(process.execPath, ['-e', SCRIPT, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let markReady: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    let pending = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') {
          markReady();
          continue;
        }
        this.times.push(Number(line));
        this.onProbe?.();
      }
    });
  }

  /** Ends the probes, after the first one has reported: an attack shorter than one probe still gets its answer. */
  async stop(): Promise<number[]> {
    if (this.times.length === 0) await new Promise<void>((resolve) => (this.onProbe = resolve));
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
    return this.times;
  }
}
