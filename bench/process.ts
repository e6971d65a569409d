/** A benchmark process (server or load client) started fresh, driven over IPC, always killed. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Loads TypeScript (asyncapi-sse's too) without a build step; exposes gc so servers can measure settled heap. */
const NODE_ARGS = ['--conditions=asyncapi-sse-source', '--import', 'tsx', '--expose-gc'];

export interface ChildOptions {
  /** Open file descriptors the process needs; a shell raises the soft limit when it is lower. */
  fileLimit?: number;
  /** Arguments for the script. */
  args?: string[];
  /** Node flags besides the harness's own (`--max-old-space-size=…`, say). */
  nodeArgs?: string[];
}

interface FileLimits {
  soft: number;
  hard: number;
}

let fileLimits: FileLimits | undefined;

function currentFileLimits(): FileLimits {
  const read = (flag: string) => Number(execFileSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim()) || Infinity;
  fileLimits ??= { soft: read('-Sn'), hard: read('-Hn') };
  return fileLimits;
}

export class BenchProcess<Command, Report extends { type: string }> {
  private readonly child: ChildProcess;
  private readonly inbox: Report[] = [];
  private wake: (() => void) | null = null;
  private exited: string | null = null;

  constructor(
    readonly name: string,
    script: string,
    options: ChildOptions = {},
  ) {
    const scriptPath = fileURLToPath(new URL(script, import.meta.url));
    const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
    const limits = currentFileLimits();
    const files = options.fileLimit ?? 0;
    if (files > limits.hard) {
      throw new Error(`${name} needs ${files} open files but the hard limit is ${limits.hard}: raise it (ulimit -Hn) or use fewer connections`);
    }
    const command = [...NODE_ARGS, ...(options.nodeArgs ?? []), scriptPath, ...(options.args ?? [])];
    this.child =
      files > limits.soft
        ? spawn('sh', ['-c', `ulimit -Sn ${files} && exec "$0" "$@"`, process.execPath, ...command], { cwd: ROOT, stdio })
        : spawn(process.execPath, command, { cwd: ROOT, stdio });
    this.child.on('message', (report: Report) => {
      this.inbox.push(report);
      this.wake?.();
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `${name} exited (${signal ?? `code ${code}`})`;
      this.wake?.();
    });
  }

  send(command: Command): void {
    if (this.child.connected) this.child.send(command as object);
  }

  /** The next report of this type; rejects on an `error` report, exit or timeout. */
  async next<T extends Report['type']>(type: T, timeoutMs: number): Promise<Extract<Report, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((report) => report.type === type || report.type === 'error');
      if (index !== -1) {
        const [report] = this.inbox.splice(index, 1);
        if (report!.type === 'error') throw new Error(`${this.name}: ${(report as { message?: string }).message}`);
        return report as Extract<Report, { type: T }>;
      }
      if (this.exited) throw new Error(this.exited);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no '${type}' report within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  async request<T extends Report['type']>(command: Command, type: T, timeoutMs: number): Promise<Extract<Report, { type: T }>> {
    this.send(command);
    return this.next(type, timeoutMs);
  }

  kill(): void {
    if (this.exited === null) this.child.kill('SIGKILL');
  }
}
