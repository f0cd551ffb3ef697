import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { writeFileAtomic } from '@gankit/data';
import type { RunConfig } from '../config.js';
import { parseRunConfig } from '../registry.js';
import { LOCK_FILE, runLockHolder } from './lock.js';

/** The files of a run folder. @category Runs */
export const runPaths = (runDir: string) => ({
  config: path.join(runDir, 'config.json'),
  evaluation: path.join(runDir, 'evaluation.json'),
  backend: path.join(runDir, 'backend.json'),
  report: path.join(runDir, 'report.html'),
  monitor: path.join(runDir, 'monitor.jsonl'),
  generator: path.join(runDir, 'generator'),
  samples: path.join(runDir, 'samples'),
  checkpoints: path.join(runDir, 'checkpoints'),
});

/**
 * Refuses to start a new run in a folder that already holds one, or that holds anything else,
 * so nothing is overwritten.
 * @throws GanError `INVALID_ARGUMENT` naming the folder and what to do instead
 */
export async function assertFreshRunDir(runDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(runDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new GanError('IO_ERROR', `train: cannot use ${runDir} as a run folder: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const holder = runLockHolder(runDir);
  if (holder) {
    throw new GanError(
      'RUN_IN_USE',
      `train: ${runDir} is in use by ${holder}; wait for it to finish or stop it, or pick another --out`,
    );
  }
  if (entries.includes('config.json')) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `train: ${runDir} already holds a run (config.json); continue it with 'gankit resume ${runDir}' or pick another --out`,
    );
  }
  const others = entries.filter((e) => e !== LOCK_FILE);
  if (others.length > 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `train: ${runDir} is not empty and not a gankit run (it holds ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}); pick a new or empty folder for --out`,
    );
  }
}

/**
 * The default run folder: `base`, or `base-2`, `base-3`, ... when earlier runs are there, so
 * running the same preset twice never touches the first run.
 */
export async function nextFreeRunDir(base: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}

/** Writes the resolved config of a run, atomically. */
export async function writeRunConfig(runDir: string, config: RunConfig): Promise<void> {
  await writeFileAtomic(runPaths(runDir).config, `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Reads and validates a run's config.
 * @throws GanError `IO_ERROR` when the folder is not a run, `INVALID_CONFIG` when its config is invalid
 */
export async function readRunConfig(runDir: string): Promise<RunConfig> {
  const file = runPaths(runDir).config;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const entries = await fs.readdir(runDir).catch(() => undefined);
    if (entries === undefined) {
      throw new GanError('IO_ERROR', `${runDir} is not a gankit run folder: no such folder`, { cause: e });
    }
    if (entries.every((n) => n === LOCK_FILE)) {
      throw new GanError(
        'IO_ERROR',
        `${runDir} holds no run yet: it was stopped before its config was written; start it again with the same 'gankit train ... --out ${runDir}'`,
        { cause: e },
      );
    }
    throw new GanError('IO_ERROR', `${runDir} is not a gankit run folder: cannot read ${file}`, { cause: e });
  }
  return parseRunConfig(parseJson(text, file), file);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new GanError('INVALID_CONFIG', `${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}
