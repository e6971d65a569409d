/**
 * The generator spec corpus (`test/generator/corpus/`): small AsyncAPI documents, each stating in
 * its leading `#` comment lines what generating it must give (see corpus.test.ts).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers.js';

export const CORPUS = path.join(REPO_ROOT, 'test/generator/corpus');

export interface CorpusSpec {
  /** File name without `.yaml`, or the folder name of a multi-file spec. */
  slug: string;
  file: string;
  expect: 'ok' | 'error';
  /** `# reject <messageName>: <json>`: payloads the message's validator must reject. */
  rejects: Array<{ message: string; payload: unknown }>;
  /** `# type <TypeName>: <ts type>`: the generated type must be exactly this (both ways assignable, not `any`); `T.<Name>` names another generated type. */
  types: Array<{ name: string; text: string }>;
  /**
   * `# compiles: <expression>` and `# fails: <expression>`: TypeScript against the generated
   * types (`T`), server (`S`) and a generated client (`client`) that must compile, or must not.
   */
  compiles: string[];
  fails: string[];
  /** `# declares: <regex>`: each must match a line of the generated types.ts (named types referenced, not written inline). */
  declares: RegExp[];
  /** `# warn: <regex>`: each must match a stderr line. */
  warnings: RegExp[];
  /** `# error: <regex>`: each must match a stderr line. */
  errors: RegExp[];
  /** `# first: <regex>`: the first stderr line must match. */
  first?: RegExp;
}

/** Every corpus spec: `<slug>.yaml`, or `<slug>/asyncapi.yaml` with the files it `$ref`s. */
export function corpusSpecs(): CorpusSpec[] {
  return readdirSync(CORPUS, { withFileTypes: true })
    .flatMap((entry) => {
      if (entry.isFile() && entry.name.endsWith('.yaml')) return [{ slug: entry.name.slice(0, -'.yaml'.length), file: path.join(CORPUS, entry.name) }];
      const root = path.join(CORPUS, entry.name, 'asyncapi.yaml');
      return entry.isDirectory() && existsSync(root) ? [{ slug: entry.name, file: root }] : [];
    })
    .sort((a, b) => a.slug.localeCompare(b.slug))
    .map(({ slug, file }) => parseExpectations(slug, file));
}

function parseExpectations(slug: string, file: string): CorpusSpec {
  const spec: CorpusSpec = { slug, file, expect: 'ok', rejects: [], types: [], compiles: [], fails: [], declares: [], warnings: [], errors: [] };
  let declared = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('#')) break;
    const match = /^#\s*(expect|reject|type|compiles|fails|declares|warn|error|first)\b\s*([^:]*?)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key, subject, value] = match as unknown as [string, string, string, string];
    switch (key) {
      case 'expect':
        if (value !== 'ok' && value !== 'error') throw new Error(`${file}: "# expect:" must be ok or error, not ${value}`);
        spec.expect = value;
        declared = true;
        break;
      case 'reject':
        spec.rejects.push({ message: subject, payload: JSON.parse(value) });
        break;
      case 'type':
        spec.types.push({ name: subject, text: value });
        break;
      case 'compiles':
        spec.compiles.push(value);
        break;
      case 'fails':
        spec.fails.push(value);
        break;
      case 'declares':
        spec.declares.push(new RegExp(value));
        break;
      case 'warn':
        spec.warnings.push(new RegExp(value));
        break;
      case 'error':
        spec.errors.push(new RegExp(value));
        break;
      case 'first':
        spec.first = new RegExp(value);
        break;
    }
  }
  if (!declared) throw new Error(`${file}: no leading "# expect: ok" or "# expect: error" line`);
  if (spec.expect === 'error' && spec.errors.length === 0) throw new Error(`${file}: "# expect: error" needs at least one "# error:" line`);
  return spec;
}

/**
 * A module asserting each type (the generated type and the written one are mutually assignable
 * and not `any`) and each expression that must compile, or must not.
 */
export function typeAssertions(spec: Pick<CorpusSpec, 'types' | 'compiles' | 'fails'>, generatedDir: string): string {
  const { types, compiles, fails } = spec;
  if (types.length + compiles.length + fails.length === 0) return '';
  const lines = [
    ...(types.length > 0 || [...compiles, ...fails].some((e) => /\bT\./.test(e)) ? [`import type * as T from '${generatedDir}/types.js';`] : []),
    ...([...compiles, ...fails].some((e) => /\bS\./.test(e)) ? [`import type * as S from '${generatedDir}/server.js';`] : []),
    ...(compiles.length + fails.length > 0 ? [`import { createClient } from '${generatedDir}/client/index.js';`] : []),
    ...(types.length > 0
      ? ['type Assert<Holds extends true> = Holds;', 'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;', 'type NotAny<A> = 0 extends 1 & A ? false : true;']
      : []),
    ...types.flatMap((t, i) => [
      `export type Same${i} = Assert<Same<T.${t.name}, ${t.text}>>;`,
      `export type Specific${i} = Assert<NotAny<T.${t.name}>>;`,
    ]),
    ...expressions('compiles', compiles, ''),
    ...expressions('fails', fails, '  // @ts-expect-error\n'),
  ];
  return `${lines.join('\n')}\n`;
}

function expressions(name: string, list: string[], marker: string): string[] {
  if (list.length === 0) return [];
  return [
    `export function ${name}(client: ReturnType<typeof createClient>): void {`,
    ...list.map((expression) => `${marker}  void (${expression});`),
    '}',
  ];
}
