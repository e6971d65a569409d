/**
 * Position map of the spec's YAML/JSON source files (the root file and every file it `$ref`s),
 * so diagnostics can point at `file:line:col` for any JSON path.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseWithPointers, Kind, type YAMLNode } from '@stoplight/yaml';
import { isObject } from '../model/schemas.js';

export type JsonPath = Array<string | number>;

export interface Position {
  /** Path as shown to the user (relative to the working directory). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export function formatPosition(p: Position): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/** A JSON pointer (`/operations/x/messages/0`) as path segments. */
export function pointerPath(pointer: string): JsonPath {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A key found in a source file, with where its key starts. */
export interface KeyOccurrence {
  path: JsonPath;
  key: string;
  value: YAMLNode | null;
  position: Position;
}

/** A YAML/JSON text already parsed with @stoplight/yaml (the parser keeps the root file's). */
export interface ParsedText {
  text: string;
  ast: YAMLNode | undefined;
  data: unknown;
}

class SourceFile {
  readonly ast: YAMLNode | undefined;
  /** The file's content as plain data. */
  readonly data: unknown;
  private readonly lineStarts: number[];
  private allKeys: KeyOccurrence[] | undefined;

  constructor(
    readonly absolutePath: string,
    readonly displayPath: string,
    readonly text: string,
    alreadyParsed?: ParsedText,
  ) {
    // Parsing a large spec a second time costs as much as a third of the parser's own work.
    const parsed = alreadyParsed?.text === text ? alreadyParsed : parseWithPointers(text);
    this.ast = parsed.ast;
    this.data = parsed.data;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  positionOf(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { file: this.displayPath, line: low + 1, col: offset - this.lineStarts[low]! + 1 };
  }

  /** Node at a JSON path; for a mapping value, the position reported is its key's. */
  locate(jsonPath: JsonPath): Position | undefined {
    let node = this.ast;
    let keyStart = node?.startPosition ?? 0;
    for (const segment of jsonPath) {
      if (!node) return undefined;
      if (node.kind === Kind.MAP) {
        const mapping = node.mappings.find((m) => m.key.value === String(segment));
        if (!mapping) return undefined;
        keyStart = mapping.key.startPosition;
        node = mapping.value ?? undefined;
      } else if (node.kind === Kind.SEQ) {
        const item = node.items[Number(segment)];
        if (!item) return undefined;
        keyStart = item.startPosition;
        node = item;
      } else {
        return undefined;
      }
    }
    return this.positionOf(keyStart);
  }

  /** The plain value at a JSON path, if there is one. */
  valueAt(jsonPath: JsonPath): unknown {
    let value = this.data;
    for (const segment of jsonPath) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[String(segment)];
    }
    return value;
  }

  /** Every mapping key in the file, depth first, in source order (walked once). */
  keys(): KeyOccurrence[] {
    this.allKeys ??= this.walkKeys();
    return this.allKeys;
  }

  private walkKeys(): KeyOccurrence[] {
    const found: KeyOccurrence[] = [];
    const walk = (node: YAMLNode | null | undefined, at: JsonPath): void => {
      if (!node) return;
      if (node.kind === Kind.MAP) {
        for (const mapping of node.mappings) {
          const key = String(mapping.key.value);
          found.push({ path: [...at, key], key, value: mapping.value, position: this.positionOf(mapping.key.startPosition) });
          walk(mapping.value, [...at, key]);
        }
      } else if (node.kind === Kind.SEQ) {
        node.items.forEach((item, i) => walk(item, [...at, i]));
      }
    };
    walk(this.ast, []);
    return found;
  }
}

/** The root spec file plus every local file reachable through relative `$ref`s. */
export class SourceSet {
  readonly files: SourceFile[] = [];

  /** `root`: the root file as the parser read and parsed it, when available. */
  constructor(rootPath: string, root?: ParsedText) {
    this.add(path.resolve(rootPath), root);
  }

  get root(): SourceFile {
    return this.files[0]!;
  }

  private add(absolutePath: string, alreadyParsed?: ParsedText): void {
    if (this.files.some((f) => f.absolutePath === absolutePath)) return;
    let text: string;
    try {
      text = readFileSync(absolutePath, 'utf8');
    } catch {
      return;
    }
    const file = new SourceFile(absolutePath, displayPath(absolutePath), text, alreadyParsed);
    this.files.push(file);
    for (const ref of file.keys()) {
      if (ref.key !== '$ref' || ref.value?.kind !== Kind.SCALAR) continue;
      const target = String(ref.value.value).split('#')[0];
      if (target && !/^[a-z][a-z0-9+.-]*:/i.test(target)) this.add(path.resolve(path.dirname(absolutePath), target));
    }
  }

  fileFor(source: string | undefined): SourceFile {
    if (!source) return this.root;
    const absolute = path.resolve(source);
    return this.files.find((f) => f.absolutePath === absolute) ?? this.root;
  }

  /** Where a JSON path sits, looking first in the given file, then in every other source file. */
  locate(jsonPath: JsonPath, preferred?: string): Position | undefined {
    const first = this.fileFor(preferred);
    return first.locate(jsonPath) ?? this.files.find((f) => f !== first && f.locate(jsonPath))?.locate(jsonPath);
  }

  /** Where a JSON path sits in the root file, else its nearest written ancestor (values from traits have no place of their own). */
  locateClosest(jsonPath: JsonPath): Position {
    for (let length = jsonPath.length; length > 0; length--) {
      const found = this.root.locate(jsonPath.slice(0, length));
      if (found) return found;
    }
    return { file: this.root.displayPath, line: 1, col: 1 };
  }

  /**
   * Where the value at a path of the resolved document is written: `$ref`s met on the way are
   * followed into the file and place they point at; a path that leaves what is written (a
   * value from a trait) ends at its nearest written ancestor.
   */
  locateWritten(jsonPath: JsonPath): Position {
    const { file, at } = this.follow(jsonPath);
    return file.locate(at) ?? this.locateClosest(jsonPath);
  }

  /**
   * The component schema key a value of the resolved document is written as a reference to
   * (`$ref: '#/components/schemas/Goal'` → `Goal`), following `$ref`s on the way there.
   */
  componentSchemaAt(jsonPath: JsonPath): string | undefined {
    const { file, at, rest } = this.follow(jsonPath);
    const [, components, schemas, key, ...deeper] = [undefined, ...at];
    return rest.length === 0 && file === this.root && components === 'components' && schemas === 'schemas' && deeper.length === 0 ? String(key) : undefined;
  }

  /** Where a path of the resolved document leads in the written files; `rest` is what is left of the path where nothing is written. */
  private follow(jsonPath: JsonPath): { file: SourceFile; at: JsonPath; rest: JsonPath } {
    let file = this.root;
    let at: JsonPath = [];
    const rest = [...jsonPath];
    for (let steps = 0; steps < 256; steps++) {
      const value = file.valueAt(at);
      const ref = isObject(value) && typeof value.$ref === 'string' ? this.refTarget(file, value.$ref) : undefined;
      if (ref) {
        [file, at] = ref;
        continue;
      }
      const next = rest[0];
      if (next === undefined || file.valueAt([...at, next]) === undefined) break;
      rest.shift();
      at = [...at, next];
    }
    return { file, at, rest };
  }

  private refTarget(from: SourceFile, ref: string): [SourceFile, JsonPath] | undefined {
    const [target, fragment = ''] = ref.split('#');
    const file = target ? this.files.find((f) => f.absolutePath === path.resolve(path.dirname(from.absolutePath), target)) : from;
    if (!file) return undefined;
    return [file, pointerPath(decodeURIComponent(fragment))];
  }

  /** Where `key: value` is written (a `$ref`, a `pattern`, a `format`), across the files, in source order. */
  locateKeyValues(key: string, value: string): Position[] {
    return this.files.flatMap((file) => file.keys().filter((k) => k.key === key && k.value?.kind === Kind.SCALAR && k.value.value === value).map((k) => k.position));
  }

  /** Where `key: value` is first written. */
  locateKeyValue(key: string, value: string): Position | undefined {
    return this.locateKeyValues(key, value)[0];
  }

  /** Where a mapping key is written (a `patternProperties` pattern), across the files. */
  locateKeys(key: string): Position[] {
    return this.files.flatMap((file) => file.keys().filter((k) => k.key === key).map((k) => k.position));
  }

  /** Every key starting with the prefix, in every source file. */
  keysWithPrefix(prefix: string): Array<KeyOccurrence & { file: SourceFile }> {
    return this.files.flatMap((file) => file.keys().filter((k) => k.key.startsWith(prefix)).map((k) => ({ ...k, file })));
  }
}

export type { SourceFile };

function displayPath(absolutePath: string): string {
  return path.relative(process.cwd(), absolutePath) || absolutePath;
}
