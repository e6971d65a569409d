/**
 * Regular expressions of schema `pattern`s: Unicode mode, as JSON Schema means them, unless only
 * JavaScript's older syntax reads one (`\\_`, a lone `{`), so validators and stubs accept what
 * the spec's authors tested their patterns with.
 */

/** A pattern's RegExp with the given flags, else without them; throws when it is none at all. */
export const patternRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    try {
      return new RegExp(pattern, flags);
    } catch {
      return new RegExp(pattern);
    }
  },
  /** The same function as ajv inlines it into the emitted validators, which import nothing of ours. */
  { code: '(pattern, flags) => { try { return new RegExp(pattern, flags); } catch { return new RegExp(pattern); } }' },
);

/** `patternProblem` of a pattern that is a regular expression only without the `u` flag. */
export const UNICODE_ONLY = 'unicode-only';

/** Why a pattern cannot be used as written: its syntax error, or UNICODE_ONLY; undefined when it can. */
export function patternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
    return undefined;
  } catch (error) {
    try {
      new RegExp(pattern);
      return UNICODE_ONLY;
    } catch {
      return (error as Error).message;
    }
  }
}
