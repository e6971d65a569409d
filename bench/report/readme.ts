/** Replaces the generated part of the README's Performance section, between two markers. */
import { readFile, writeFile } from 'node:fs/promises';

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Returns false (README untouched) when the markers are missing. */
export async function updateReadme(path: string, markdown: string): Promise<boolean> {
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) return false;
  await writeFile(path, `${text.slice(0, start + START.length)}\n${markdown}\n${text.slice(end)}`);
  return true;
}
