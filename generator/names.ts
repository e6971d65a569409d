/** Identifier helpers shared by the model and the templates. */

const RESERVED = new Set([
  'Array', 'Boolean', 'Client', 'Connections', 'Date', 'Error', 'Function', 'Handlers', 'Map', 'Number',
  'Object', 'Omit', 'Partial', 'Pick', 'Promise', 'Readonly', 'Record', 'Required', 'Set', 'String', 'Symbol',
]);

/** `price-update`, `price_update`, `priceUpdate` → `PriceUpdate`. */
export function pascalCase(text: string): string {
  const joined = text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  if (!joined) return 'Unnamed';
  return /^[0-9]/.test(joined) ? `T${joined}` : joined;
}

export function isIdentifier(text: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(text);
}

/** An operation id as a JS identifier: kept when it is one, else `send-prices` → `sendPrices`. */
export function identifier(text: string): string {
  if (isIdentifier(text)) return text;
  const pascal = pascalCase(text);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** Hands out unique type names: a taken name gets a numeric suffix. */
export class NameRegistry {
  private readonly taken = new Set(RESERVED);

  claim(wanted: string): string {
    let name = wanted;
    for (let i = 2; this.taken.has(name); i++) name = `${wanted}${i}`;
    this.taken.add(name);
    return name;
  }
}
