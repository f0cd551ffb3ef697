import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, stringify } from 'yaml';
import { applyConfigOverrides, type ConfigOverrides, type RunConfig } from './config.js';
import { parseRunConfig } from './registry.js';

/** Files larger than this are refused before parsing (a recipe or a sweep is a few KiB). */
const MAX_DATA_FILE_BYTES = 1 << 20;
/** Aliases a YAML file may expand: enough for any recipe, too few for an alias bomb. */
const MAX_YAML_ALIASES = 100;
/**
 * Keys that would reach Object.prototype or a constructor instead of a value: refused in every
 * file {@link readDataFile} reads and every dot path a user gives.
 * @category Configs
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A YAML or JSON file read by {@link readDataFile}: its value, not yet validated, and where a
 * dot path of it sits in the file.
 * @category Configs
 */
export interface DataFile {
  value: unknown;
  /** `line N` for a path into a YAML file's value (undefined for JSON, or when it cannot be told). */
  locate: (at: readonly PropertyKey[]) => string | undefined;
}

function yamlLocator(contents: Node | null, lines: LineCounter): DataFile['locate'] {
  return (at) => {
    let node: unknown = contents;
    let offset: number | undefined;
    for (const key of at) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
        );
        if (!pair) return undefined;
        offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        offset = (node as Node | undefined)?.range?.[0];
      } else {
        return undefined;
      }
    }
    return offset === undefined ? undefined : `line ${lines.linePos(offset).line}`;
  };
}

function assertNoForbiddenKeys(value: unknown, file: string, at: string[] = []): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new GanError('INVALID_CONFIG', `${file}: '${[...at, key].join('.')}' is not a valid key`);
    }
    assertNoForbiddenKeys(child, file, [...at, key]);
  }
}

/**
 * Reads a YAML or JSON file as plain data, safely: at most 1 MiB, YAML with the core schema
 * only (no custom tags such as `!!js/function`, no merge keys), unique keys, a bound on alias
 * expansion, and no `__proto__` / `constructor` / `prototype` keys anywhere. The reader of
 * config files and of sweep specs.
 * @param file - a `.yaml`, `.yml` or `.json` file
 * @param what - what the file is, for messages (`config file`, `sweep spec`)
 * @returns its value, not yet validated, and a locator of YAML lines
 * @throws GanError `IO_ERROR` when it cannot be read; `INVALID_CONFIG` when it is too large, not
 *   valid YAML/JSON or holds a forbidden key; `INVALID_ARGUMENT` for another extension
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { readDataFile } from '@gankit/families';
 * writeFileSync('point.yaml', 'name: a\nsize: 3\n');
 * const { value, locate } = await readDataFile('point.yaml', 'point file');
 * console.log(value, locate(['size'])); // { name: 'a', size: 3 } line 2
 * ```
 * @category Configs
 */
export async function readDataFile(file: string, what: string): Promise<DataFile> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new Error('not a file');
    if (stat.size > MAX_DATA_FILE_BYTES) {
      throw new GanError(
        'INVALID_CONFIG',
        `${file}: ${stat.size} bytes is too large for a ${what} (at most ${MAX_DATA_FILE_BYTES})`,
      );
    }
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof GanError) throw e;
    throw new GanError('IO_ERROR', `cannot read ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  let locate: DataFile['locate'] = () => undefined;
  if (/\.ya?ml$/i.test(file)) {
    const lines = new LineCounter();
    const doc = parseDocument(text, {
      schema: 'core',
      merge: false,
      uniqueKeys: true,
      strict: true,
      lineCounter: lines,
    });
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) {
      const where = problem.linePos?.[0] ? `:${problem.linePos[0].line}:${problem.linePos[0].col}` : '';
      throw new GanError(
        'INVALID_CONFIG',
        `${file}${where}: not valid YAML: ${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      throw new GanError('INVALID_CONFIG', `${file}: ${(e as Error).message}`, { cause: e });
    }
    locate = yamlLocator(doc.contents, lines);
  } else if (/\.json$/i.test(file)) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new GanError('INVALID_CONFIG', `${file}: not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  } else {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${what} ${file}: expected a .yaml, .yml or .json file, got '${path.extname(file) || 'no extension'}'`,
    );
  }
  assertNoForbiddenKeys(value, file);
  return { value, locate };
}

/** Reads a config file's mapping (the editor's `$schema` hint dropped), not yet validated. */
async function readConfigFileContents(
  file: string,
): Promise<{ value: Record<string, unknown>; locate: DataFile['locate'] }> {
  const { value, locate } = await readDataFile(file, 'config file');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GanError(
      'INVALID_CONFIG',
      `${file}: a config file holds one mapping of keys to values, got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`,
    );
  }
  const { $schema: _hint, ...config } = value as Record<string, unknown>;
  return { value: config, locate };
}

/**
 * Reads a training config from a YAML or JSON file (as `gankit config` writes them), applies
 * the CLI's overrides and validates it with its family's schema, reporting every problem at
 * once with its dot path, the value found and, for YAML, its line.
 * @param file - a `.yaml`, `.yml` or `.json` file
 * @param overrides - changes to apply after reading (`--steps`, `--set`, ...)
 * @returns the validated config
 * @throws GanError `IO_ERROR` when the file cannot be read, `INVALID_CONFIG` for a file that is not valid YAML/JSON or a config its family refuses, `UNKNOWN_NAME` for an unknown family, `INVALID_ARGUMENT` for another extension or a bad override
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { configFromFile, formatConfig, presetConfig } from '@gankit/families';
 * writeFileSync('ring.yaml', formatConfig(presetConfig('gan-ring8'), { format: 'yaml' }));
 * const config = await configFromFile('ring.yaml', { steps: 50 });
 * console.log(config.family, config.training.steps); // gan 50
 * ```
 * @category Configs
 */
export async function configFromFile(file: string, overrides: ConfigOverrides = {}): Promise<RunConfig> {
  const { value, locate } = await readConfigFileContents(file);
  applyConfigOverrides(value, overrides, file);
  return parseRunConfig(value, file, locate);
}

/** Options of {@link formatConfig}. @category Configs */
export interface FormatConfigOptions {
  /** `yaml` (default) or `json`. */
  format?: 'yaml' | 'json';
  /**
   * Where the family's JSON Schema is, for editors: a `# yaml-language-server: $schema=` line
   * in YAML, a `$schema` key in JSON. Omitted when not given.
   */
  schema?: string;
}

/**
 * A config as the text of a config file that {@link configFromFile} reads back to the same config.
 * @param config - a run config
 * @param options - format and schema location
 * @returns the file's text
 * @example
 * ```ts
 * import { formatConfig, presetConfig } from '@gankit/families';
 * const text = formatConfig(presetConfig('dcgan-fashion'), { format: 'yaml' });
 * console.log(text.split('\n').find((l) => l.startsWith('family:'))); // family: dcgan
 * ```
 * @category Configs
 */
export function formatConfig(config: RunConfig, options: FormatConfigOptions = {}): string {
  // what a reader looks for first
  const { family, preset, description, ...rest } = config;
  const ordered = { family, preset, description, ...rest };
  if (options.format === 'json') {
    const withSchema = options.schema === undefined ? ordered : { $schema: options.schema, ...ordered };
    return `${JSON.stringify(withSchema, null, 2)}\n`;
  }
  const header = options.schema === undefined ? '' : `# yaml-language-server: $schema=${options.schema}\n`;
  return `${header}${stringify(ordered, { lineWidth: 0 })}`;
}
