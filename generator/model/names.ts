/**
 * The identifier policy: every name the generator prints (types, operation exports, handler
 * files, client methods) is made here. Names keep their Unicode letters (`Größe`, `流`), are
 * valid TypeScript identifiers, are never reserved words, and depend only on the spec name.
 */

/** Words no binding may have (ECMAScript reserved and strict-mode words, and what TS refuses). */
const RESERVED_WORDS = new Set([
  'arguments', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete',
  'do', 'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements',
  'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public',
  'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'undefined', 'var', 'void',
  'while', 'with', 'yield',
]);

/**
 * Operation names the generated handlers folder already uses: `index.ts` is its barrel, which
 * binds `Handlers` and `handlers`.
 */
const TAKEN_OPERATION_NAMES = new Set(['index', 'handlers', 'Handlers']);

/** Global types and the generated modules' own type names, which a spec type must not shadow. */
const TAKEN_TYPE_NAMES = new Set([
  'Array', 'Boolean', 'Client', 'Connections', 'Date', 'Error', 'Function', 'Handlers', 'Map', 'Number',
  'Object', 'Omit', 'Partial', 'Pick', 'Promise', 'Readonly', 'Record', 'Required', 'Set', 'String', 'Symbol',
]);

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/** Whether `text` can stand as a property name or binding without quotes (reserved words included). */
export function isIdentifier(text: string): boolean {
  return IDENTIFIER.test(text);
}

/** The first letter in upper case, when that keeps it one letter (`ß` stays `ß`, not `SS`). */
function capitalized(word: string): string {
  const [first = '', ...rest] = word;
  const upper = first.toUpperCase();
  return (upper.length === first.length ? upper : first) + rest.join('');
}

function lowerFirst(word: string): string {
  const [first = '', ...rest] = word;
  const lower = first.toLowerCase();
  return (lower.length === first.length ? lower : first) + rest.join('');
}

/** `price-update`, `price_update`, `priceUpdate` → `PriceUpdate`; `größe` → `Größe`. */
export function pascalCase(text: string): string {
  const joined = text
    .split(/[^\p{L}\p{N}\p{M}]+/u)
    .filter(Boolean)
    .map(capitalized)
    .join('');
  if (!joined) return 'Unnamed';
  return /^\p{ID_Start}/u.test(joined) ? joined : `T${joined}`;
}

/**
 * An operation's export, handler file and client method name: the operationId when it is an
 * identifier, else `send-prices` → `sendPrices`; a reserved or taken name gets a `_`.
 */
export function operationName(operationId: string): string {
  const name = isIdentifier(operationId) ? operationId : lowerFirst(pascalCase(operationId));
  return RESERVED_WORDS.has(name) || TAKEN_OPERATION_NAMES.has(name) ? `${name}_` : name;
}

/** Hands out unique type names: a taken name gets a numeric suffix. */
export class NameRegistry {
  private readonly taken = new Set(TAKEN_TYPE_NAMES);

  claim(wanted: string): string {
    let name = wanted;
    for (let i = 2; this.taken.has(name); i++) name = `${wanted}${i}`;
    this.taken.add(name);
    return name;
  }
}

/**
 * Finds spec names that map to one generated name. File names are compared without case, as
 * macOS and Windows compare them.
 */
export function collisions<T>(items: T[], generatedName: (item: T) => string): Array<[T, T, string]> {
  const seen = new Map<string, T>();
  const found: Array<[T, T, string]> = [];
  for (const item of items) {
    const name = generatedName(item);
    const holder = seen.get(name.toLowerCase());
    if (holder === undefined) seen.set(name.toLowerCase(), item);
    else found.push([holder, item, name]);
  }
  return found;
}
