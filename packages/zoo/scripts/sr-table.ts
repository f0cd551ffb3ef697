/**
 * The zoo upscalers' table of docs/super-resolution.md, from their model cards (the numbers of
 * `gankit eval` stored when each model was added). From the repository root:
 *   node --conditions=@gankit/source --import tsx packages/zoo/scripts/sr-table.ts [--write]
 * prints it, or with --write replaces the table between the markers in docs/super-resolution.md.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { superResolutionTable } from '../src/sr-table.js';

const table = superResolutionTable();
if (process.argv.includes('--write')) {
  const file = path.join(import.meta.dirname, '..', '..', '..', 'docs', 'super-resolution.md');
  const doc = await fs.readFile(file, 'utf8');
  const [start, end] = ['<!-- zoo-table:start -->', '<!-- zoo-table:end -->'];
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`sr-table: ${file} lacks the ${start} ... ${end} markers`);
  await fs.writeFile(file, `${doc.slice(0, i + start.length)}\n${table}${doc.slice(j)}`);
  console.log(`sr-table: wrote the table of ${file}`);
} else {
  process.stdout.write(table);
}
