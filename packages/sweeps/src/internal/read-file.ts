import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { parseDocument } from 'yaml';

/** Spec files larger than this are refused before parsing (a sweep is a few hundred bytes). */
export const MAX_SPEC_BYTES = 1 << 20;
/** Aliases a YAML file may expand: enough for any spec, too few for an alias bomb. */
const MAX_YAML_ALIASES = 100;
/** Keys that would reach Object.prototype or a constructor instead of a value. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The first key on the way down `value` that is a forbidden key, as a dot path. */
export function forbiddenKeyPath(value: unknown, at: string[] = []): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return [...at, key].join('.');
    const below = forbiddenKeyPath((value as Record<string, unknown>)[key], [...at, key]);
    if (below !== undefined) return below;
  }
  return undefined;
}

/**
 * Reads a YAML or JSON file as plain data: at most 1 MiB, YAML with the core schema only (no
 * custom tags such as `!!js/function`, no merge keys), unique keys, a bound on alias expansion,
 * and no `__proto__` / `constructor` / `prototype` keys anywhere.
 * @param file - a `.yaml`, `.yml` or `.json` file
 * @param what - what the file is, for messages (`sweep spec`)
 * @returns its value, not yet validated
 * @throws GanError `IO_ERROR` when it cannot be read; `INVALID_CONFIG` when it is too large, not
 *   valid YAML/JSON or holds a forbidden key; `INVALID_ARGUMENT` for another extension
 */
export async function readDataFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new Error('not a file');
    if (stat.size > MAX_SPEC_BYTES) {
      throw new GanError(
        'INVALID_CONFIG',
        `${file}: ${stat.size} bytes is too large for a ${what} (at most ${MAX_SPEC_BYTES})`,
      );
    }
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof GanError) throw e;
    throw new GanError('IO_ERROR', `cannot read ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  if (/\.ya?ml$/i.test(file)) {
    const doc = parseDocument(text, { schema: 'core', merge: false, uniqueKeys: true, strict: true });
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
  const forbidden = forbiddenKeyPath(value);
  if (forbidden !== undefined) {
    throw new GanError('INVALID_CONFIG', `${file}: '${forbidden}' is not a valid key`);
  }
  return value;
}
