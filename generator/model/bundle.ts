/** The parsed document as plain JSON for `/asyncapi.json`: parser annotations removed, cycles as `$ref`s. */
export function bundleDocument(parsed: unknown): unknown {
  const walk = (value: unknown, pointer: string, ancestors: Map<object, string>): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const seenAt = ancestors.get(value);
    if (seenAt !== undefined) return { $ref: `#${seenAt}` };
    const inner = new Map(ancestors).set(value, pointer);
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${pointer}/${i}`, inner));
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key.startsWith('x-parser-')) continue;
      copy[key] = walk(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, inner);
    }
    return copy;
  };
  return walk(parsed, '', new Map());
}
