import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';

/**
 * Creates a folder and its missing parents, like `mkdir -p`, failing with a clear error where
 * Node's `mkdir(dir, { recursive: true })` does not: under a pseudo file system such as `/proc`
 * it retries forever (the parent exists, yet every `mkdir` answers ENOENT).
 *
 * @param dir - the folder to create (an existing folder is fine)
 * @param fn - the caller, for the message
 * @throws GanError `IO_ERROR` naming the folder when it or a parent cannot be created, or a
 *   path component is a file
 * @example
 * ```ts
 * import { makeDirectory } from '@gankit/data';
 * await makeDirectory('/tmp/gankit-example/a/b');
 * ```
 * @category Checkpoints
 */
export async function makeDirectory(dir: string, fn = 'makeDirectory'): Promise<void> {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    let stat: Awaited<ReturnType<typeof fs.stat>> | undefined;
    try {
      stat = await fs.stat(at);
    } catch (e) {
      // ENOTDIR: a parent is a file, found and named as the walk goes up
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw ioError(fn, dir, e);
    }
    if (stat) {
      if (!stat.isDirectory()) {
        throw new GanError('IO_ERROR', `${fn}: cannot create ${dir}: ${at} is a file, not a folder`);
      }
      break;
    }
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  // one level at a time from the top, so each failure is reported once and never retried
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(fn, dir, e);
    }
  }
}

function ioError(fn: string, dir: string, e: unknown): GanError {
  return new GanError('IO_ERROR', `${fn}: cannot create the folder ${dir}: ${(e as Error).message}`, {
    cause: e,
  });
}
