/**
 * Writes the JSON Schema of every built-in family's config into packages/cli/schemas/, the
 * files `gankit config` points editors at. From the repository root:
 *   node --conditions=@gankit/source --import tsx packages/cli/scripts/write-schemas.ts
 * A test fails when the committed files differ from what this writes.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { familyJsonSchema, listFamilies } from '@gankit/families';
import { SCHEMAS_DIR } from '../src/schemas.js';

/** @returns each schema file's name and text */
export function schemaFiles(): { name: string; text: string }[] {
  return listFamilies().map((f) => ({
    name: `${f.name}.schema.json`,
    text: `${JSON.stringify(familyJsonSchema(f.name), null, 2)}\n`,
  }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await fs.mkdir(SCHEMAS_DIR, { recursive: true });
  for (const { name, text } of schemaFiles()) {
    await fs.writeFile(path.join(SCHEMAS_DIR, name), text);
    console.log(`wrote ${path.join('packages/cli/schemas', name)}`);
  }
}
