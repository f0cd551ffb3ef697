import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from './fashion-mnist.js';
import { toTensorBatch } from './image-dataset.js';
import { encodeImageGrid, imageGrid, loadImage, saveImage, saveImageGrid } from './image-io.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'gankit-image-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<GanError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GanError);
  return error as GanError;
}

describe('imageGrid', () => {
  it('lays images out row by row with padding, mapping [-1, 1] to 0..255', async () => {
    // four 1x2 grayscale images with values -1, -0.5, 0.5, 1 (one per image)
    const x = tf.tensor4d([-1, -1, -0.5, -0.5, 0.5, 0.5, 1, 1], [4, 1, 2, 1]);
    const grid = await imageGrid(x, { cols: 3, padding: 1, padValue: 7 });
    x.dispose();
    // 3 columns of width 2 + 4 paddings = 10; 2 rows of height 1 + 3 paddings = 5
    expect([grid.width, grid.height, grid.channels]).toEqual([10, 5, 1]);
    const row = (y: number) => Array.from(grid.data.subarray(y * 10, (y + 1) * 10));
    expect(row(0)).toEqual(new Array(10).fill(7));
    expect(row(1)).toEqual([7, 0, 0, 7, 64, 64, 7, 191, 191, 7]);
    expect(row(3)).toEqual([7, 255, 255, 7, 7, 7, 7, 7, 7, 7]);
  });

  it('clamps values outside the range, honours a custom range and upscales by an integer', async () => {
    const x = tf.tensor4d([-5, 0.25, 2, 0], [1, 2, 2, 1]);
    const grid = await imageGrid(x, { range: [0, 1], padding: 0, scale: 2 });
    x.dispose();
    expect([grid.width, grid.height]).toEqual([4, 4]);
    expect(Array.from(grid.data)).toEqual([0, 0, 64, 64, 0, 0, 64, 64, 255, 255, 0, 0, 255, 255, 0, 0]);
  });

  it('rejects tensors that are not image batches and bad options', async () => {
    const bad = tf.zeros([2, 4, 4, 2]) as tf.Tensor4D;
    const ok = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const shape = await rejection(imageGrid(bad));
    expect(shape.code).toBe('SHAPE_MISMATCH');
    expect(shape.message).toBe(
      'imageGrid: images must have shape [n, height, width, channels] with n >= 1 and 1, 3 or 4 channels, got [2, 4, 4, 2]',
    );
    expect((await rejection(imageGrid(ok, { range: [1, 1] }))).message).toBe(
      'imageGrid: range must be [min, max] with finite min < max, got [1,1]',
    );
    expect((await rejection(imageGrid(ok, { scale: 1.5 }))).message).toBe(
      'imageGrid: options.scale must be an integer in [1, 64], got 1.5',
    );
    tf.dispose([bad, ok]);
  });
});

describe('encodeImageGrid / saveImageGrid', () => {
  it('writes a grayscale PNG of the right size, with identical bytes for the same input, not blank', async () => {
    const ds = await loadFashionMnist({ dir: 'bundled', split: 'test', limit: 10 });
    const before = tf.memory().numTensors;
    const { images, labels } = toTensorBatch(ds);
    const path = join(dir, 'deep', 'folder', 'grid.png');
    await saveImageGrid(images, path, { cols: 5, padding: 2, scale: 2 });
    const again = await encodeImageGrid(images, { cols: 5, padding: 2, scale: 2 });
    tf.dispose([images, labels]);
    expect(tf.memory().numTensors).toBe(before);

    const bytes = await readFile(path);
    expect(Buffer.compare(bytes, again)).toBe(0);
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('png');
    // 5 x 28 + 6 x 2 = 152 wide, 2 x 28 + 3 x 2 = 62 high, then x2
    expect([meta.width, meta.height, meta.channels]).toEqual([304, 124, 1]);
    const back = await loadImage(path);
    expect(back.channels).toBe(1);
    const values = new Set(back.data);
    expect(values.size).toBeGreaterThan(100);
    // the first image's top-left pixel of content equals the dataset byte (lossless round trip)
    const y = 2 * 2;
    const x = 2 * 2;
    const row = 5 * 2;
    expect(back.data[(y + row) * back.width + x + 2 * 14]).toBe(ds.images[5 * 28 + 14]);
  });

  it('writes RGB for three channels', async () => {
    const x = tf.randomUniform([3, 8, 8, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const png = await encodeImageGrid(x);
    const other = tf.randomUniform([3, 8, 8, 3], -1, 1, 'float32', 8) as tf.Tensor4D;
    const png2 = await encodeImageGrid(other);
    tf.dispose([x, other]);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([2 * 10 + 2, 2 * 10 + 2, 3]);
    expect(Buffer.compare(png, png2)).not.toBe(0);
  });

  it('rejects an unsupported extension', async () => {
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const error = await rejection(saveImageGrid(x, join(dir, 'grid.bmp')));
    x.dispose();
    expect(error.message).toBe(
      `saveImageGrid: path must end in .png, .jpg, .jpeg or .webp, got ${JSON.stringify(join(dir, 'grid.bmp'))}`,
    );
  });
});

describe('saveImage / loadImage', () => {
  it('round-trips bytes losslessly through PNG for 1, 3 and 4 channels', async () => {
    for (const channels of [1, 3, 4]) {
      const data = Uint8Array.from({ length: 5 * 3 * channels }, (_, i) => (i * 37) % 256);
      const path = join(dir, `raw-${channels}.png`);
      await saveImage({ data, width: 5, height: 3, channels }, path);
      const back = await loadImage(path);
      expect(back).toEqual({ data, width: 5, height: 3, channels });
    }
  });

  it('converts channels on request', async () => {
    const path = join(dir, 'convert.png');
    await saveImage(
      { data: Uint8Array.from({ length: 15 }, (_, i) => i * 17), width: 5, height: 3, channels: 1 },
      path,
    );
    const rgb = await loadImage(path, { channels: 3 });
    expect(rgb.channels).toBe(3);
    expect(rgb.data).toHaveLength(5 * 3 * 3);
    expect(rgb.data[3]).toBe(rgb.data[5]);
  });

  it('fits an image into a size, aspect kept with a black margin', async () => {
    const path = join(dir, 'fit.png');
    // a white 4x2 (wide) image fitted into 4x4: white rows in the middle, black above and below
    await saveImage({ data: new Uint8Array(8).fill(255), width: 4, height: 2, channels: 1 }, path);
    const fitted = await loadImage(path, { fit: { width: 4, height: 4 } });
    expect([fitted.width, fitted.height, fitted.channels]).toEqual([4, 4, 1]);
    expect(Array.from(fitted.data)).toEqual([0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
    await expect(loadImage(path, { fit: { width: 0, height: 4 } })).rejects.toThrow(
      'loadImage: options.fit must have integer width and height in 1..8192, got {"width":0,"height":4}',
    );
  });

  it('saves a rank-3 tensor in [-1, 1]', async () => {
    const t = tf.tensor3d([-1, 0, 1, 0.5], [2, 2, 1]);
    const path = join(dir, 'tensor.png');
    await saveImage(t, path);
    t.dispose();
    expect(Array.from((await loadImage(path)).data)).toEqual([0, 128, 255, 191]);
  });

  it('reports missing and unreadable files clearly', async () => {
    const missing = join(dir, 'missing.png');
    const m = await rejection(loadImage(missing));
    expect(m.code).toBe('IO_ERROR');
    expect(m.message).toBe(`loadImage: cannot read ${missing}: no such file`);
    const junk = join(dir, 'junk.png');
    await writeFile(junk, 'not an image');
    const j = await rejection(loadImage(junk));
    expect(j.code).toBe('INVALID_DATA');
    expect(j.message).toMatch(
      new RegExp(`^loadImage: ${junk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a readable image: `),
    );
  });

  it('rejects pixels that do not fit the size', async () => {
    const error = await rejection(
      saveImage({ data: new Uint8Array(5), width: 2, height: 2, channels: 1 }, join(dir, 'x.png')),
    );
    expect(error.code).toBe('SHAPE_MISMATCH');
    expect(error.message).toBe('saveImage: image.data holds 5 bytes but 2x2x1 needs 4');
  });
});
