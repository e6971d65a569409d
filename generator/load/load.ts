/** Stage 1: read and validate the spec with @asyncapi/parser; turn its diagnostics into ours. */
import { Parser, fromFile, DiagnosticSeverity, type AsyncAPIDocumentInterface, type Diagnostic as ParserDiagnostic, type ParseOutput } from '@asyncapi/parser';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SpecError, sortDiagnostics, hasErrors, unsupportedVersionMessage, type Diagnostic } from '../diagnostics.js';
import { schemaParsers, unknownSchemaFormats } from './schema-formats.js';
import { SourceSet, type ParsedText } from './sources.js';

export interface LoadedSpec {
  document: AsyncAPIDocumentInterface;
  sources: SourceSet;
  /** Problems worth printing: warnings, and errors the later stages can still run past (an unknown schema format). */
  diagnostics: Diagnostic[];
  /** Advice that is no problem with the document (a newer AsyncAPI version exists). */
  notes: string[];
}

/** The linter's advice to move to the newest AsyncAPI version: a note, not a warning. */
const LATEST_VERSION_RULE = 'asyncapi-latest-version';

/** Parses the spec; throws SpecError listing every problem when the parser finds errors (it then gives no document). */
export async function loadSpec(specPath: string): Promise<LoadedSpec> {
  if (!existsSync(specPath)) {
    throw new SpecError([{ file: specPath, line: 1, col: 1, severity: 'error', message: 'spec file not found', code: 'spec-not-found' }]);
  }
  // A fresh parser each time: its resolver caches referenced files, and --watch must see edits.
  const parser = new Parser({ schemaParsers: schemaParsers() });
  const { document, diagnostics, extras } = await fromFile(parser, path.resolve(specPath)).parse();
  const sources = new SourceSet(specPath, extras && parsedRoot(extras.document));
  const fromParser = diagnostics
    .filter((d) => d.severity <= DiagnosticSeverity.Information && d.code !== LATEST_VERSION_RULE)
    .map((d) => toDiagnostic(d, sources));
  const mapped = sortDiagnostics([...fromParser, ...unknownSchemaFormats(sources, parser.parserRegistry)]);
  if (!document || hasErrors(fromParser)) throw new SpecError([...unsupportedVersion(sources), ...mapped]);
  const newer = /"(\d+\.\d+\.\d+)"/.exec(diagnostics.find((d) => d.code === LATEST_VERSION_RULE)?.message ?? '')?.[1];
  const notes = newer ? [`AsyncAPI ${newer} is available; this document uses ${document.version()}`] : [];
  return { document, sources, diagnostics: mapped, notes };
}

/**
 * A document of another major version than 3: said first, since its structural errors then
 * only restate that it is not written for AsyncAPI 3 (the model says it of valid documents).
 */
function unsupportedVersion(sources: SourceSet): Diagnostic[] {
  const version = sources.root.valueAt(['asyncapi']);
  if (typeof version !== 'string' || version.startsWith('3.')) return [];
  const at = sources.locateClosest(['asyncapi']);
  return [{ ...at, severity: 'error', message: unsupportedVersionMessage(version), code: 'unsupported-version' }];
}

/** The root file's text and YAML tree as the parser's linter holds them (fields it does not declare public). */
function parsedRoot(document: NonNullable<ParseOutput['extras']>['document']): ParsedText | undefined {
  const { input, parserResult } = document as unknown as { input?: unknown; parserResult?: Partial<ParsedText> };
  if (typeof input !== 'string' || !parserResult || !('ast' in parserResult)) return undefined;
  return { text: input, ast: parserResult.ast, data: parserResult.data };
}

function toDiagnostic(d: ParserDiagnostic, sources: SourceSet): Diagnostic {
  const file = sources.fileFor(d.source);
  const severity = d.severity === DiagnosticSeverity.Error ? 'error' : 'warning';
  const code = String(d.code ?? 'parser');
  const fromRange = { file: file.displayPath, line: d.range.start.line + 1, col: d.range.start.character + 1 };
  return { ...(preciseLocation(d, sources) ?? fromRange), severity, message: d.message, code };
}

/**
 * The parser reports a dangling `$ref` at the place it was followed from (often line 1 of the
 * root file when the `$ref` sits in another file); point at the `$ref` as written instead.
 */
function preciseLocation(d: ParserDiagnostic, sources: SourceSet) {
  if (d.code !== 'invalid-ref') return undefined;
  const quoted = /^'(.+)' does not exist$/.exec(d.message)?.[1];
  if (quoted) return sources.locateKeyValue('$ref', quoted);
  const atRangeStart = d.range.start.line === 0 && d.range.start.character === 0;
  return atRangeStart ? sources.locate(d.path as Array<string | number>, d.source) : undefined;
}
