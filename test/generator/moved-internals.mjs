/**
 * Preloaded (`node --import`) by the validator cache tests: the parser internals the caches
 * reach for fail, as after an upgrade that moved them.
 */
import { createRequire } from 'node:module';

const parserRequire = createRequire(createRequire(import.meta.url).resolve('@asyncapi/parser'));
parserRequire('./ruleset/functions/documentStructure.js').getSchema = () => {
  throw new Error('getSchema moved');
};
