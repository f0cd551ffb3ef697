import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveImage } from '../datasets/image-io.js';
import { makeDirectory } from './directories.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-dirs-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('makeDirectory', () => {
  it('creates missing parents and accepts an existing folder', async () => {
    const dir = path.join(tmp, 'a', 'b', 'c');
    await makeDirectory(dir);
    expect((await fs.stat(dir)).isDirectory()).toBe(true);
    await makeDirectory(dir);
  });

  it('names the file that stands where a folder should be', async () => {
    const file = path.join(tmp, 'file');
    await fs.writeFile(file, 'x');
    await expect(makeDirectory(path.join(file, 'sub'), 'train')).rejects.toThrow(
      /train: cannot create .*file\/sub: .*file is a file, not a folder/,
    );
  });

  // Node's recursive mkdir loops forever here: /proc exists, yet mkdir under it answers ENOENT
  it.runIf(process.platform === 'linux')(
    'fails at once under /proc instead of hanging',
    async () => {
      const error = await makeDirectory('/proc/gankit-test/a', 'train').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GanError);
      expect((error as GanError).code).toBe('IO_ERROR');
      expect((error as GanError).message).toMatch(
        /^train: cannot create the folder \/proc\/gankit-test\/a: /,
      );
      const image = { data: new Uint8Array(4), width: 2, height: 2, channels: 1 };
      await expect(saveImage(image, '/proc/gankit-test/x.png')).rejects.toThrow(/cannot create the folder/);
    },
    10_000,
  );
});
