/**
 * `asyncapi-sse diff old.yaml new.yaml`: the changes that break clients built from the old spec,
 * each at its `file:line:col` (in the new spec, or in the old one for what was removed).
 * Exit codes: 0 nothing breaking; 1 breaking changes; 2 bad usage or a spec that does not load.
 */
import { parseArgs } from 'node:util';
import { usageOf } from './commands.js';
import { SpecError, formatDiagnostic, sortDiagnostics } from '../diagnostics.js';
import { breakingChanges, type SpecVersion } from '../diff/rules.js';
import { loadSpec } from '../load/load.js';
import { buildModel } from '../model/model.js';
import { consoleOutput, type Output } from './output.js';
import { installValidatorCaches } from '../load/validator-caches.js';

export async function runDiff(argv: string[], output: Output = consoleOutput): Promise<number> {
  let files: [string, string];
  try {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true });
    if (positionals.length !== 2) throw new Error(`expected two spec files, got ${positionals.length}`);
    files = [positionals[0]!, positionals[1]!];
  } catch (error) {
    output.err(`${(error as Error).message}\n${usageOf('diff')}`);
    return 2;
  }
  await installValidatorCaches();
  const versions: SpecVersion[] = [];
  for (const file of files) {
    try {
      versions.push(await load(file));
    } catch (error) {
      if (error instanceof SpecError) for (const d of sortDiagnostics(error.diagnostics)) output.err(formatDiagnostic(d));
      else output.err(`${file}: error ${(error as Error).message}`);
      output.err(`cannot compare: ${file} does not load`);
      return 2;
    }
  }
  const breaking = breakingChanges(versions[0]!, versions[1]!);
  for (const change of breaking) output.out(`${change.file}:${change.line}:${change.col} breaking ${change.message} (${change.code})`);
  output.out(breaking.length === 0 ? 'no breaking changes' : `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'}`);
  return breaking.length > 0 ? 1 : 0;
}

async function load(file: string): Promise<SpecVersion> {
  const { document, sources } = await loadSpec(file);
  return { model: buildModel(document, sources).model, sources };
}
