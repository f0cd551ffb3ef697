import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import type { Log } from '../family.js';

/** The lock file of a run folder: which process trains or resumes it now. */
export const LOCK_FILE = '.gankit.lock';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** A held run-folder lock; `release()` removes it (also done at process exit). */
export interface RunLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Says who holds a run folder's lock, when a live process on this host (or any process on
 * another host) holds it.
 * @param runDir - a run folder
 * @returns `process N (since ...)`, or undefined when the folder is free
 */
export function runLockHolder(runDir: string): string | undefined {
  const held = readLock(path.join(runDir, LOCK_FILE));
  if (!held || held.pid === process.pid) return undefined;
  const here = held.host === os.hostname();
  if (here && !alive(held.pid)) return undefined;
  return `process ${held.pid}${here ? '' : ` on ${held.host}`} (since ${held.since})`;
}

/**
 * Takes the lock of a run folder, so that two processes never write one run: created
 * atomically (`wx`); a lock left by a process that no longer runs on this host is taken over
 * with a log line. The lock goes away on `release()` or when the process exits.
 * @param runDir - an existing run folder
 * @param what - the command, for messages (`train`, `resume`)
 * @param log - where the take-over of a stale lock is reported
 * @returns the held lock
 * @throws GanError `RUN_IN_USE` naming the process that holds the folder
 */
export function acquireRunLock(runDir: string, what: string, log: Log): RunLock {
  const file = path.join(runDir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
      const release = () => {
        process.off('exit', release);
        const held = readLock(file);
        if (held?.pid === mine.pid && held.since === mine.since) {
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        }
      };
      process.on('exit', release);
      return { file, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new GanError(
          'IO_ERROR',
          `${what}: cannot write the lock file ${file}: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
    }
    const held = readLock(file);
    if (held && held.host === mine.host && held.pid !== process.pid && !alive(held.pid)) {
      log(`${what}: ${runDir} was locked by process ${held.pid}, which no longer runs; taking the lock over`);
      unlinkSync(file);
      continue;
    }
    const who = held
      ? `process ${held.pid}${held.host === mine.host ? '' : ` on ${held.host}`} (since ${held.since})`
      : 'another process (unreadable lock file)';
    throw new GanError(
      'RUN_IN_USE',
      `${what}: ${runDir} is in use by ${who}; wait for it to finish or stop it, or remove ${file} if no process uses the run`,
    );
  }
  throw new GanError('RUN_IN_USE', `${what}: could not take the lock ${file}`);
}
