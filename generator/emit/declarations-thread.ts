/**
 * Runs declarations.ts (json-schema-to-typescript and prettier) in a worker thread: its libraries load
 * while this thread parses the spec, and the declarations are printed while it compiles validators.
 * One worker serves every run of the process (tests, --watch); it does not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { NamedSchema } from '../model/schemas.js';

type Reply = { id: number; declarations: string } | { id: number; error: string };

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve(declarations: string): void; reject(error: Error): void }>();

/** Starts the worker now, so that it is ready when the model is. */
export function startTypeThread(): void {
  if (worker) return;
  const thread = new Worker(new URL('./declarations-thread-entry.mjs', import.meta.url));
  thread.on('message', (reply: Reply) => {
    const request = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) thread.unref();
    if ('error' in reply) request?.reject(new Error(reply.error));
    else request?.resolve(reply.declarations);
  });
  const fail = (error: Error) => {
    if (worker !== thread) return;
    worker = undefined;
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  };
  thread.on('error', fail);
  thread.on('exit', (code) => fail(new Error(`the type declaration worker stopped (exit code ${code})`)));
  // After the listeners: adding a 'message' listener holds the process open again.
  thread.unref();
  worker = thread;
}

/** TypeScript source declaring every named schema, printed by the worker. */
export function typeDeclarations(schemas: NamedSchema[]): Promise<string> {
  startTypeThread();
  const id = nextId++;
  const reply = new Promise<string>((resolve, reject) => pending.set(id, { resolve, reject }));
  worker!.ref();
  worker!.postMessage({ id, schemas });
  return reply;
}
