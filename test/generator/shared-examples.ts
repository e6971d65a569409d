/**
 * The shared AsyncAPI examples (`../shared/specs/asyncapi-examples`, beside the checkout), sorted
 * by whether any operation maps to HTTP. A fresh clone has no such folder: suites that read it
 * skip with a message, unless `REQUIRE_EXAMPLES=1` (set by `.ci/run`) makes that a failure.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'vitest';
import { REPO_ROOT } from './helpers.js';

export const EXAMPLES = path.join(REPO_ROOT, '../shared/specs/asyncapi-examples');

const available = existsSync(EXAMPLES);
if (!available) {
  if (process.env.REQUIRE_EXAMPLES === '1') throw new Error(`REQUIRE_EXAMPLES=1 but the shared AsyncAPI examples are missing: looked in ${EXAMPLES}`);
  console.warn(`skipping suites of the shared AsyncAPI examples: ${EXAMPLES} does not exist`);
}

/** `describe` when the shared examples are beside the checkout, `describe.skip` otherwise. */
export const describeExamples = available ? describe : describe.skip;

export const MAPPABLE = [
  'anyof-asyncapi.yml',
  'gitter-streaming-asyncapi.yml',
  'oneof-asyncapi.yml',
  'operation-security-asyncapi.yml',
  'slack-rtm-asyncapi.yml',
];

export const NOT_MAPPABLE = [
  'social-media/backend/asyncapi.yaml',
  'social-media/comments-service/asyncapi.yaml',
  'social-media/frontend/asyncapi.yaml',
  'social-media/notification-service/asyncapi.yaml',
  'social-media/public-api/asyncapi.yaml',
  'streetlights-mqtt-asyncapi.yml',
];

/** Files that are AsyncAPI documents (fragments such as social-media/common/*.yaml are not). */
export function documents(): string[] {
  return readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ya?ml$/.test(file))
    .filter((file) => /^asyncapi:/m.test(readFileSync(path.join(EXAMPLES, file), 'utf8')))
    .map((file) => file.split(path.sep).join('/'))
    .sort();
}
