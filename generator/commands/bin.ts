#!/usr/bin/env node
/** The `asyncapi-sse` command (package.json `bin`): dispatches to the command named first. */
import { COMMANDS, usageOf } from './commands.js';
import { consoleOutput } from './output.js';
import { ownManifest } from './own-package.js';

const HELP_FLAGS = new Set(['--help', '-h']);

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return ['usage: asyncapi-sse <command> [options]   (asyncapi-sse <command> --help for its options)', '', ...lines].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || HELP_FLAGS.has(name)) {
    consoleOutput.out(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    consoleOutput.out(ownManifest.version);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    consoleOutput.err(`unknown command "${name}"\n${overview()}`);
    return 2;
  }
  if (rest.some((arg) => HELP_FLAGS.has(arg))) {
    consoleOutput.out(`${usageOf(name)}\n${command.summary}`);
    return 0;
  }
  return (await command.load())(rest, consoleOutput);
}

process.exitCode = await main(process.argv.slice(2));
