/**
 * The subcommands of `asyncapi-sse`: name → one usage line and the function that runs it. Each
 * module loads only when its command runs, so `--help` and `init` do not pay for the parser.
 */
import type { Output } from './output.js';

/** Runs one command with its arguments; resolves to the exit code (2: bad usage). */
export type CommandRunner = (argv: string[], output: Output) => Promise<number>;

interface Command {
  /** The arguments, as printed after `usage: asyncapi-sse <name>`. */
  usage: string;
  summary: string;
  load(): Promise<CommandRunner>;
}

export const COMMANDS: Record<string, Command> = {
  init: { usage: '', summary: 'scaffold a service (spec, generated code, handlers, server, test) into this folder', load: async () => (await import('./init.js')).runInit },
  generate: { usage: '[--spec asyncapi.yaml] [--out generated] [--handlers handlers] [--check] [--watch]', summary: 'generate server, client and types from the spec', load: async () => (await import('./generate.js')).runCli },
  'build-client': { usage: '[--spec asyncapi.yaml] [--entry generated/client] [--out client-package]', summary: "bundle the generated client as an npm package of the spec's own", load: async () => (await import('./build-client.js')).runBuildClient },
  diff: { usage: 'old.yaml new.yaml', summary: 'list the changes from old to new that break shipped clients (exit 1 when any)', load: async () => (await import('./diff.js')).runDiff },
};

/** `usage: asyncapi-sse <name> <arguments>`, for `--help` and usage errors. */
export function usageOf(name: string): string {
  const command = COMMANDS[name];
  return `usage: asyncapi-sse ${name}${command?.usage ? ` ${command.usage}` : ''}`;
}
