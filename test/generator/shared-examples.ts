/** The shared AsyncAPI examples, sorted by whether any operation maps to HTTP. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers.js';

export const EXAMPLES = path.join(REPO_ROOT, '../shared/specs/asyncapi-examples');

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
