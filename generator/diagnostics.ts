/** Spec problems, reported as `file:line:col severity message (code)` with 1-based positions. */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  severity: Severity;
  message: string;
  code: string;
}

/** Thrown by any stage when the spec cannot be turned into output; carries every problem found. */
export class SpecError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.severity} ${d.message} (${d.code})`;
}

/** Verdicts on the whole document, printed before the problems they explain. */
const DOCUMENT_VERDICTS = new Set(['unsupported-version']);

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (DOCUMENT_VERDICTS.has(d.code) ? 0 : 1);
  return [...list].sort(
    (a, b) =>
      rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message),
  );
}

export function hasErrors(list: Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

/** Why a document of another AsyncAPI major version is refused, and what to do. */
export function unsupportedVersionMessage(version: string): string {
  return `AsyncAPI ${version} is not supported; convert the document to 3.0 first (\`asyncapi convert\`)`;
}
