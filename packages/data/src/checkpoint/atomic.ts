import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { makeDirectory } from './directories.js';

function tmpName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, which is
 * fsynced and then renamed over the target, so readers see the old file or the new one,
 * never a half-written one.
 *
 * @param file - destination path (parent folders are created)
 * @param data - the bytes or text to write
 * @throws GanError `IO_ERROR` naming the file when the write fails
 * @example
 * ```ts
 * import { writeFileAtomic } from '@gankit/data';
 * await writeFileAtomic('/tmp/gankit-example/state.json', JSON.stringify({ step: 1 }));
 * ```
 * @category Checkpoints
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tmpName(file);
  try {
    await makeDirectory(path.dirname(file), 'writeFileAtomic');
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw new GanError('IO_ERROR', `writeFileAtomic: could not write ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Writes a whole folder atomically: `fill` writes into a fresh temporary folder beside the
 * target, which then replaces the target by rename. A crash before the rename leaves the
 * previous folder untouched; the swap itself keeps the old folder until the new one is in place.
 *
 * @param dir - destination folder
 * @param fill - writes the folder's contents into the temporary folder it is given
 * @throws GanError `IO_ERROR` naming the folder when writing or renaming fails
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { writeDirAtomic } from '@gankit/data';
 * await writeDirAtomic('/tmp/gankit-example/model', (tmp) => writeFile(`${tmp}/a.txt`, 'a'));
 * ```
 * @category Checkpoints
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = tmpName(dir);
  await makeDirectory(path.dirname(dir), 'writeDirAtomic');
  await fs.mkdir(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    if (e instanceof GanError) throw e;
    throw new GanError('IO_ERROR', `writeDirAtomic: could not write ${dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let old: string | undefined;
  try {
    if (await exists(dir)) {
      old = tmpName(`${dir}.old`);
      await fs.rename(dir, old);
    }
    await fs.rename(tmp, dir);
  } catch (e) {
    // put the previous folder back if the swap failed half-way
    if (old && !(await exists(dir))) await fs.rename(old, dir).catch(() => {});
    await fs.rm(tmp, { recursive: true, force: true });
    throw new GanError('IO_ERROR', `writeDirAtomic: could not replace ${dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (old) await fs.rm(old, { recursive: true, force: true });
}

/** @internal */
export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
