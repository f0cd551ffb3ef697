// Writing a report so that a reader never sees half a file.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';

/**
 * Writes `text` to `file` through a temporary file beside it and a rename (atomic on one
 * file system); creates the folder if needed. Returns the absolute path.
 * @throws GanError `IO_ERROR` naming `fn` and the file
 */
export async function writeTextAtomic(fn: string, file: string, text: string): Promise<string> {
  const target = path.resolve(file);
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(temp, text);
    await fs.rename(temp, target);
  } catch (e) {
    await fs.rm(temp, { force: true }).catch(() => {});
    throw new GanError('IO_ERROR', `${fn}: cannot write ${target}: ${(e as Error).message}`, { cause: e });
  }
  return target;
}
