import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BACKEND_CHOICES, type BackendChoice } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { InvalidArgumentError } from 'commander';

// The parsers, help texts and plugin loading that every command shares.

/** Help of `--threads`. */
export const THREADS_HELP = "CPU threads: the native kernels' or, without them, wasm's (default: every core)";

/** Help of `--plugin`. */
export const PLUGIN_HELP = 'module that registers more families (a path or a package name; repeatable)';

/** Help of `--backend`. */
export const BACKEND_HELP = `compute backend (${BACKEND_CHOICES.join(', ')})`;

/** A parser of integer flags in [min, max]. */
export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    // decimal digits only: Number() would also take '', '0x10', '1e3' and ' 7 '
    const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected an integer ${range}, got '${value}'`);
    }
    return n;
  };
}

/** The parser of `--backend`. */
export function backend(value: string): BackendChoice {
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${BACKEND_CHOICES.join(', ')}, got '${value}'`);
  }
  return value as BackendChoice;
}

/** Examples shown after a command's `--help`. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * Imports the modules named by `--plugin`, so the families they define are registered before
 * any preset or run is looked up. Plugins come only from the command line, never from a config.
 */
export async function loadPlugins(plugins: string[] | undefined): Promise<void> {
  for (const plugin of plugins ?? []) {
    const isPath = plugin.startsWith('.') || path.isAbsolute(plugin);
    try {
      await import(isPath ? pathToFileURL(path.resolve(plugin)).href : plugin);
    } catch (e) {
      throw new GanError('IO_ERROR', `--plugin ${plugin}: cannot import it (${(e as Error).message})`, {
        cause: e,
      });
    }
  }
}
