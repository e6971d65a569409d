/**
 * Where a path of the dereferenced document is written in the spec's files: the path is walked
 * through the source text, following each `$ref` on the way (local or into another file).
 */
import path from 'node:path';
import type { JsonPath, Position, SourceSet } from '../load/sources.js';

/**
 * Position of the deepest written node on `jsonPath` (a removed or inherited value points at its
 * parent). `followLast: false` stops at a `$ref` written at the end of the path: a removed list
 * entry is shown where it was listed, not where its target is defined.
 */
export function locateInSources(sources: SourceSet, jsonPath: JsonPath, followLast = true): Position {
  let file = sources.root;
  let at: JsonPath = [];
  let written: Position | undefined;
  for (let i = 0; i <= jsonPath.length; i++) {
    // Follow `$ref`s standing where we are before taking the next step (bounded against cycles).
    for (let hops = 0; hops < 32 && (followLast || i < jsonPath.length); hops++) {
      const ref = (file.valueAt(at) as { $ref?: unknown } | undefined)?.$ref;
      if (typeof ref !== 'string') break;
      const [target = '', pointer = ''] = ref.split('#');
      if (target) {
        const next = sources.fileFor(path.resolve(path.dirname(file.absolutePath), target));
        if (next.absolutePath !== path.resolve(path.dirname(file.absolutePath), target)) break;
        file = next;
      }
      at = pointer.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
    }
    written = file.locate(at) ?? written;
    if (i === jsonPath.length || file.valueAt(at) === undefined) break;
    at = [...at, jsonPath[i]!];
  }
  return written ?? { file: sources.root.displayPath, line: 1, col: 1 };
}
