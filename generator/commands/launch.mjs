#!/usr/bin/env node
// The `asyncapi-sse` command as installed (`npm run build` copies this file to dist/commands/bin.js):
// the CLI and its dependencies are one bundled file beside it (asyncapi-sse.js), loaded once
// V8's compile cache is on, where Node has one (22.1 and later). The cache is keyed by each
// file's content, so an upgrade or a rebuild compiles anew.
import module from 'node:module';
import v8 from 'node:v8';

module.enableCompileCache?.();
// A run keeps most of what it allocates (the parsed document, compiled validators), so V8 would
// double its young generation again and again for nothing: at its first size a run of the
// 1,000-line bench spec peaks at 159 MB RSS instead of 177 MB, for the same CPU time (Node 20;
// V8 versions that hold the factor at 2 or more leave it as it was).
v8.setFlagsFromString('--semi-space-growth-factor=1');
await import('./asyncapi-sse.js');
