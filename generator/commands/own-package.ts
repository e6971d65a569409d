/** The manifest of the generator package that is running (its version and pinned dependencies). */
import { createRequire } from 'node:module';

export interface Manifest {
  name?: string;
  version: string;
  private?: boolean;
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export const ownManifest = createRequire(import.meta.url)('asyncapi-sse-generator/package.json') as Manifest;
