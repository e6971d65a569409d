/**
 * Spec mutations for the generator fuzz: each takes a parsed AsyncAPI document and a seeded
 * random source and breaks one thing the way a user (or an attacker) might.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type Random = () => number;

/** mulberry32: a tiny seeded generator, so a mutant is the same on every run. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every object in the document with the path to it. */
function objects(root: Json, path: string[] = []): Array<{ path: string[]; value: JsonObject }> {
  if (Array.isArray(root)) return root.flatMap((item, i) => objects(item, [...path, String(i)]));
  if (!isObject(root)) return [];
  return [{ path, value: root }, ...Object.entries(root).flatMap(([key, value]) => objects(value, [...path, key]))];
}

function schemas(document: JsonObject): JsonObject {
  const components = isObject(document.components) ? document.components : (document.components = {});
  return isObject(components.schemas) ? components.schemas : (components.schemas = {});
}

/** Renames `from` to `to` in `object`, keeping the key order. */
function renameKey(object: JsonObject, from: string, to: string): void {
  const entries = Object.entries(object).map(([key, value]) => [key === from ? to : key, value] as const);
  for (const key of Object.keys(object)) delete object[key];
  for (const [key, value] of entries) object[key] = value;
}

const UNICODE = ['名前', 'émoji😀', 'ключ', 'مرحبا', 'a\u200bb', 'Ünïcödé', 'x\u0301', '𝔘𝔫𝔦'];
const RESERVED = ['class', 'delete', 'constructor', '__proto__', 'default', 'function', 'export', 'await', 'enum', 'toString', 'hasOwnProperty', 'then'];
const WRONG_VALUES: Json[] = [42, 'text', [], {}, null, true, [1, 'two'], { $ref: 42 }];

export const MUTATIONS: Record<string, (document: JsonObject, random: Random) => void> = {
  dropKey(document, random) {
    const target = pick(random, objects(document).filter((o) => Object.keys(o.value).length > 0));
    delete target.value[pick(random, Object.keys(target.value))];
  },
  wrongType(document, random) {
    const target = pick(random, objects(document).filter((o) => Object.keys(o.value).length > 0));
    target.value[pick(random, Object.keys(target.value))] = pick(random, WRONG_VALUES);
  },
  brokenRef(document, random) {
    const refs = objects(document).filter((o) => typeof o.value.$ref === 'string');
    const target = refs.length > 0 ? pick(random, refs).value : schemas(document);
    target.$ref = pick(random, ['#/components/schemas/Nope', './missing.yaml#/X', '#/', '#/components/schemas/', 'http://127.0.0.1:1/x.yaml', '#/channels/~2bad']);
  },
  cyclicRef(document, random) {
    const all = schemas(document);
    const names = Object.keys(all);
    const name = names.length > 0 ? pick(random, names) : 'Loop';
    if (random() < 0.5) all[name] = { $ref: `#/components/schemas/${name}` };
    else all[name] = { type: 'object', properties: { next: { $ref: `#/components/schemas/${name}` }, list: { type: 'array', items: { $ref: `#/components/schemas/${name}` } } } };
  },
  hugeEnum(document, random) {
    const all = schemas(document);
    const names = Object.keys(all);
    const values = Array.from({ length: 5000 }, (_, i) => (random() < 0.5 ? `value-${i}` : `v ${i} ${pick(random, UNICODE)}`));
    all[names.length > 0 ? pick(random, names) : 'Huge'] = { type: 'string', enum: values };
  },
  unicodeNames(document, random) {
    const containers = ['operations', 'channels', 'messages', 'schemas'].flatMap((kind) => objects(document).filter((o) => o.path.at(-1) === kind && Object.keys(o.value).length > 0));
    const target = pick(random, containers).value;
    renameKey(target, pick(random, Object.keys(target)), pick(random, UNICODE));
  },
  reservedWords(document, random) {
    const containers = ['operations', 'schemas', 'properties', 'messages', 'parameters'].flatMap((kind) => objects(document).filter((o) => o.path.at(-1) === kind && Object.keys(o.value).length > 0));
    const target = pick(random, containers).value;
    renameKey(target, pick(random, Object.keys(target)), pick(random, RESERVED));
  },
  collidingNames(document, random) {
    const all = schemas(document);
    const names = Object.keys(all);
    const name = names.length > 0 ? pick(random, names) : 'Thing';
    const copy = all[name] ?? { type: 'string' };
    const twin = pick(random, [name.toLowerCase(), name.toUpperCase(), `${name}_`, `${name}-x`, `${name}.x`, `${name} `]);
    all[twin === name ? `${name}2` : twin] = structuredClone(copy);
    const operations = isObject(document.operations) ? document.operations : null;
    const ids = operations ? Object.keys(operations) : [];
    if (operations && ids.length > 0) {
      const id = pick(random, ids);
      operations[`${id.charAt(0).toUpperCase()}${id.slice(1)}`] = structuredClone(operations[id]!);
    }
  },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** Applies one to three mutations, the first of kind `first`; returns the mutant and what was done. */
export function mutate(document: JsonObject, first: string, random: Random): { mutant: JsonObject; applied: string[] } {
  const mutant = structuredClone(document);
  const applied = [first];
  const more = Math.floor(random() * 3);
  for (let i = 0; i < more; i++) applied.push(pick(random, MUTATION_NAMES));
  for (const name of applied) MUTATIONS[name]!(mutant, random);
  return { mutant, applied };
}
