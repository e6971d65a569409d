#!/usr/bin/env -S node --import tsx/esm
/** The `asyncapi-sse` command (package.json `bin`): the generator's CLI. */
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2));
