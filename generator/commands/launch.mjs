#!/usr/bin/env node
// The `asyncapi-sse` command as installed (`npm run build` copies this file to dist/commands/bin.js):
// the CLI and its dependencies are one bundled file beside it (asyncapi-sse.js), loaded once
// V8's compile cache is on, where Node has one (22.1 and later). The cache is keyed by each
// file's content, so an upgrade or a rebuild compiles anew.
import module from 'node:module';

module.enableCompileCache?.();
await import('./asyncapi-sse.js');
