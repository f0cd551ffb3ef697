import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GanError } from '@gankit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundledFashionMnistDir,
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASS_NAMES,
  loadFashionMnist,
} from './fashion-mnist.js';
import { FASHION_SUBSET_PER_CLASS, makeFashionSubset } from './fashion-subset.js';
import { writeIdx } from './idx.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gankit-fashion-'));
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

function classCounts(labels: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]!++;
  return counts;
}

const debianPresent = existsSync(join(DEFAULT_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
const SKIP_DEBIAN = `Debian's Fashion-MNIST is absent from ${DEFAULT_FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`;

describe('bundled Fashion-MNIST subset', () => {
  it('is found from the source tree', () => {
    expect(bundledFashionMnistDir()).toMatch(/packages[/\\]data[/\\]data[/\\]fashion-mnist-subset$/);
  });

  it('loads 2000 training images, 200 per class', async () => {
    const train = await loadFashionMnist({ dir: 'bundled' });
    expect(train.count).toBe(2000);
    expect([train.height, train.width, train.channels]).toEqual([28, 28, 1]);
    expect(train.numClasses).toBe(10);
    expect(train.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    expect(train.images).toHaveLength(2000 * 28 * 28);
    expect(classCounts(train.labels)).toEqual(new Array(10).fill(200));
    expect(train.split).toBe('train');
    expect(train.dir).toBe(bundledFashionMnistDir());
    expect(train.name).toBe('fashion-mnist/train');
  });

  it('loads 500 test images, 50 per class, and honours limit', async () => {
    const test = await loadFashionMnist({ dir: bundledFashionMnistDir(), split: 'test' });
    expect(test.count).toBe(500);
    expect(classCounts(test.labels)).toEqual(new Array(10).fill(50));
    const few = await loadFashionMnist({ dir: 'bundled', split: 'test', limit: 7 });
    expect(few.count).toBe(7);
    expect(few.images).toEqual(test.images.subarray(0, 7 * 784));
    expect(Array.from(few.labels)).toEqual(Array.from(test.labels.subarray(0, 7)));
    // a prefix is roughly balanced because the subset is shuffled
    const prefix = await loadFashionMnist({ dir: 'bundled', limit: 100 });
    expect(classCounts(prefix.labels).every((c) => c > 0)).toBe(true);
  });

  it('holds real images (not blank, varied pixel values)', async () => {
    const { images } = await loadFashionMnist({ dir: 'bundled', split: 'test', limit: 10 });
    const mean = images.reduce((s, v) => s + v, 0) / images.length;
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(150);
    expect(new Set(images).size).toBeGreaterThan(200);
  });
});

describe('loadFashionMnist errors', () => {
  it('says where to get the data when the folder is missing', async () => {
    const missing = join(dir, 'nowhere');
    const error = await rejection(loadFashionMnist({ dir: missing }));
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toBe(
      `loadFashionMnist: no Fashion-MNIST folder at ${missing}. Install Debian's package ` +
        `(apt-get install dataset-fashion-mnist, which fills ${DEFAULT_FASHION_MNIST_DIR}), ` +
        "pass --data DIR (dir: DIR) for a folder holding the IDX files, or use the bundled subset (dir: 'bundled')",
    );
  });

  it('names the file it looked for when a folder lacks it', async () => {
    const empty = join(dir, 'empty');
    await writeIdx(join(empty, 'unrelated.gz'), { dtype: 'uint8', shape: [1], data: new Uint8Array(1) });
    const error = await rejection(loadFashionMnist({ dir: empty, split: 'test' }));
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toBe(
      `loadFashionMnist: ${empty} has neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz; ` +
        'expected the standard Fashion-MNIST file names',
    );
  });

  it('names both counts when labels and images disagree', async () => {
    const bad = join(dir, 'mismatch');
    const imagesPath = join(bad, 'train-images-idx3-ubyte.gz');
    const labelsPath = join(bad, 'train-labels-idx1-ubyte');
    await writeIdx(imagesPath, { dtype: 'uint8', shape: [3, 28, 28], data: new Uint8Array(3 * 784) });
    await writeIdx(labelsPath, { dtype: 'uint8', shape: [2], data: new Uint8Array([1, 2]) });
    const error = await rejection(loadFashionMnist({ dir: bad }));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe(
      `loadFashionMnist: ${imagesPath} holds 3 images but ${labelsPath} holds 2 labels`,
    );
  });

  it('rejects images of the wrong type and labels outside 0..9', async () => {
    const bad = join(dir, 'wrong-type');
    await writeIdx(join(bad, 't10k-images-idx3-ubyte'), {
      dtype: 'float32',
      shape: [1, 2, 2],
      data: new Float32Array(4),
    });
    await writeIdx(join(bad, 't10k-labels-idx1-ubyte'), {
      dtype: 'uint8',
      shape: [1],
      data: new Uint8Array([0]),
    });
    expect((await rejection(loadFashionMnist({ dir: bad, split: 'test' }))).message).toBe(
      `loadFashionMnist: ${join(bad, 't10k-images-idx3-ubyte')} must hold uint8 images of shape [count, height, width], ` +
        'got float32 [1, 2, 2]',
    );
    const labels = join(dir, 'bad-label');
    await writeIdx(join(labels, 'train-images-idx3-ubyte'), {
      dtype: 'uint8',
      shape: [2, 2, 2],
      data: new Uint8Array(8),
    });
    await writeIdx(join(labels, 'train-labels-idx1-ubyte'), {
      dtype: 'uint8',
      shape: [2],
      data: new Uint8Array([3, 10]),
    });
    expect((await rejection(loadFashionMnist({ dir: labels }))).message).toBe(
      `loadFashionMnist: ${join(labels, 'train-labels-idx1-ubyte')} label 1 is 10, expected 0..9`,
    );
  });

  it('rejects a bad split or limit', async () => {
    expect((await rejection(loadFashionMnist({ dir: 'bundled', limit: 0 }))).message).toBe(
      'loadFashionMnist: limit must be an integer >= 1, got 0',
    );
    expect(
      (await rejection(loadFashionMnist({ dir: 'bundled', split: 'val' as unknown as 'train' }))).message,
    ).toBe("loadFashionMnist: split must be 'train' or 'test', got val");
  });
});

describe("Debian's Fashion-MNIST", () => {
  it('loads the full test split (10000 images, 1000 per class)', async (ctx) => {
    if (!debianPresent) ctx.skip(SKIP_DEBIAN);
    const test = await loadFashionMnist({ split: 'test' });
    expect(test.count).toBe(10000);
    expect(test.dir).toBe(DEFAULT_FASHION_MNIST_DIR);
    expect(classCounts(test.labels)).toEqual(new Array(10).fill(1000));
  });

  it('loads the full training split (60000 images) with the known first labels', async (ctx) => {
    if (!debianPresent) ctx.skip(SKIP_DEBIAN);
    const train = await loadFashionMnist();
    expect(train.count).toBe(60000);
    // the first ten training labels of Fashion-MNIST, as published
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  });

  it('remakes the bundled subset exactly from the Debian files', async (ctx) => {
    if (!debianPresent) ctx.skip(SKIP_DEBIAN);
    for (const split of ['train', 'test'] as const) {
      const bundled = await loadFashionMnist({ dir: 'bundled', split });
      const { subset } = await makeFashionSubset(DEFAULT_FASHION_MNIST_DIR, split);
      expect(subset.count).toBe(10 * FASHION_SUBSET_PER_CLASS[split]);
      expect(subset.labels).toEqual(bundled.labels);
      expect(Buffer.from(subset.images).equals(Buffer.from(bundled.images))).toBe(true);
    }
  });
});
