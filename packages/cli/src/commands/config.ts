import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { writeFileAtomic } from '@gankit/data';
import {
  type ConfigOverrides,
  familyJsonSchema,
  formatConfig,
  listFamilies,
  presetConfig,
} from '@gankit/families';
import { schemaFile } from '../schemas.js';

/** Flags of `gankit config`. */
export interface ConfigFlags extends ConfigOverrides {
  preset: string;
  format?: 'yaml' | 'json';
  out?: string;
}

/**
 * `gankit config`: a preset's config (with any overrides) as a YAML or JSON file to edit and
 * train with `gankit train --config`. Its `$schema` points at the family's JSON Schema relative
 * to where the file is written, so editors complete and check it.
 * @returns the text written
 */
export async function configCommand(flags: ConfigFlags, log: (line: string) => void): Promise<string> {
  const { preset, out, ...rest } = flags;
  const format = flags.format ?? (out && /\.json$/i.test(out) ? 'json' : 'yaml');
  const { format: _format, ...overrides } = rest;
  const config = presetConfig(preset, overrides);
  const schema = schemaFile(config.family);
  const from = out === undefined ? process.cwd() : path.dirname(path.resolve(out));
  const text = formatConfig(config, {
    format,
    ...(schema === undefined ? {} : { schema: path.relative(from, schema).split(path.sep).join('/') }),
  });
  if (out === undefined) {
    log(text.trimEnd());
  } else {
    await writeFileAtomic(out, text);
    log(`wrote ${out} (train it with: gankit train --config ${out})`);
  }
  return text;
}

/** `gankit schema`: a family's config schema as JSON Schema (draft 2020-12). */
export function schemaCommand(family: string, log: (line: string) => void): void {
  if (!listFamilies().some((f) => f.name === family)) {
    throw new GanError(
      'UNKNOWN_NAME',
      `unknown family '${family}'; valid families: ${listFamilies()
        .map((f) => f.name)
        .join(', ')}`,
    );
  }
  log(JSON.stringify(familyJsonSchema(family), null, 2));
}
