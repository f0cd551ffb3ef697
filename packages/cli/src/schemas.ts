import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The JSON Schema files published with the CLI, one per built-in family (`<family>.schema.json`).
 * This module sits one folder below the package both in src/ and in the built dist/.
 */
export const SCHEMAS_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));

/** @returns the path of a family's published JSON Schema, or undefined for a plugin's family */
export function schemaFile(family: string): string | undefined {
  const file = path.join(SCHEMAS_DIR, `${family}.schema.json`);
  return existsSync(file) ? file : undefined;
}
