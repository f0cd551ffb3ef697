/**
 * The catalogue of docs/zoo.md, from the model cards. From the repository root:
 *   node --conditions=@gankit/source --import tsx packages/zoo/scripts/zoo-page.ts [--write]
 * prints it, or with --write replaces it between the markers in docs/zoo.md.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { zooCatalog } from '../src/zoo-catalog.js';

const catalog = zooCatalog();
if (process.argv.includes('--write')) {
  const file = path.join(import.meta.dirname, '..', '..', '..', 'docs', 'zoo.md');
  const doc = await fs.readFile(file, 'utf8');
  const [start, end] = ['<!-- zoo-catalog:start -->', '<!-- zoo-catalog:end -->'];
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`zoo-page: ${file} lacks the ${start} ... ${end} markers`);
  await fs.writeFile(file, `${doc.slice(0, i + start.length)}\n${catalog}${doc.slice(j)}`);
  console.log(`zoo-page: wrote the catalogue of ${file}`);
} else {
  process.stdout.write(catalog);
}
