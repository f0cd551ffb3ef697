import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatShape, GanError } from '@gankit/core';
import { bundledDataDir } from './bundled.js';
import { readIdx } from './idx.js';
import { createImageDataset, type ImageDataset } from './image-dataset.js';

/**
 * Where Debian's `dataset-fashion-mnist` package puts the IDX files, the default folder of
 * {@link loadFashionMnist}.
 * @category Data
 */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * The ten Fashion-MNIST classes, indexed by label.
 * @category Data
 */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/**
 * Options of {@link loadFashionMnist}.
 * @category Data
 */
export interface FashionMnistOptions {
  /**
   * The folder holding the IDX files, or `'bundled'` for the subset shipped with this package
   * (2,000 training and 500 test images). Default: {@link DEFAULT_FASHION_MNIST_DIR}.
   */
  dir?: string;
  /** `'train'` (60,000 images in the full set) or `'test'` (10,000). Default `'train'`. */
  split?: 'train' | 'test';
  /** Keep only the first `limit` images. Default: all. */
  limit?: number;
}

/**
 * A loaded Fashion-MNIST split: an {@link ImageDataset} of 28x28 grayscale images in ten
 * classes, plus where it came from.
 * @category Data
 */
export interface FashionMnistDataset extends ImageDataset {
  /** The folder the files were read from (absolute). */
  readonly dir: string;
  /** The split that was read. */
  readonly split: 'train' | 'test';
}

// This module's folder: import.meta.url in ESM and in source; in the CJS build (no shims)
// import.meta is an empty object and __dirname is defined instead.

/**
 * The folder of the Fashion-MNIST subset bundled with `@gankit/data` (200 training and 50 test
 * images per class, gzipped IDX files). Found by walking up from this module's folder, so it
 * works from the source tree and from the built package alike.
 *
 * @returns the absolute path of the folder
 * @throws GanError `IO_ERROR` when the folder is not part of this installation
 * @example
 * ```ts
 * import { bundledFashionMnistDir, loadFashionMnist } from '@gankit/data';
 * const ds = await loadFashionMnist({ dir: bundledFashionMnistDir(), split: 'test' });
 * console.log(ds.count); // 500
 * ```
 * @category Data
 */
export function bundledFashionMnistDir(): string {
  return bundledDataDir('bundledFashionMnistDir', 'fashion-mnist-subset');
}

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

function findFile(fn: string, dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new GanError(
    'IO_ERROR',
    `${fn}: ${dir} has neither ${base} nor ${base}.gz; expected the standard Fashion-MNIST file names`,
  );
}

/**
 * Loads a Fashion-MNIST split (Zalando Research; 28x28 grayscale images of clothing in ten
 * classes) from a folder of IDX files with the standard names (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each
 * optionally gzipped as `.gz`).
 *
 * The default folder is where Debian's `dataset-fashion-mnist` package installs them
 * ({@link DEFAULT_FASHION_MNIST_DIR}); `dir: 'bundled'` reads the small subset shipped with
 * this package ({@link bundledFashionMnistDir}).
 *
 * @param options - `dir`, `split` (default `'train'`), `limit`
 * @returns the split as a {@link FashionMnistDataset} (NHWC uint8 images, int32 labels)
 * @throws GanError `IO_ERROR` when the folder or a file is missing; the message says how to get the data
 * @throws GanError `INVALID_DATA` when a file is not valid IDX, has the wrong shape or type, holds a
 *   label outside 0..9, or the image and label counts differ (both counts are named)
 * @throws GanError `INVALID_ARGUMENT` for an unknown split or a limit that is not a positive integer
 * @example
 * ```ts
 * import { loadFashionMnist } from '@gankit/data';
 * const train = await loadFashionMnist({ dir: 'bundled', limit: 100 });
 * console.log(train.count, train.height, train.width, train.channels); // 100 28 28 1
 * ```
 * @category Data
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<FashionMnistDataset> {
  const fn = 'loadFashionMnist';
  const { split = 'train', limit } = options;
  if (split !== 'train' && split !== 'test') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: split must be 'train' or 'test', got ${String(split)}`);
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: limit must be an integer >= 1, got ${String(limit)}`);
  }
  const requested = options.dir ?? DEFAULT_FASHION_MNIST_DIR;
  const dir = resolve(requested === 'bundled' ? bundledFashionMnistDir() : requested);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new GanError(
      'IO_ERROR',
      `${fn}: no Fashion-MNIST folder at ${dir}. Install Debian's package ` +
        `(apt-get install dataset-fashion-mnist, which fills ${DEFAULT_FASHION_MNIST_DIR}), ` +
        "pass --data DIR (dir: DIR) for a folder holding the IDX files, or use the bundled subset (dir: 'bundled')",
    );
  }
  const imagesPath = findFile(fn, dir, FILES[split].images);
  const labelsPath = findFile(fn, dir, FILES[split].labels);
  const [images, labels] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${imagesPath} must hold uint8 images of shape [count, height, width], ` +
        `got ${images.dtype} ${formatShape(images.shape)}`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${labelsPath} must hold uint8 labels of shape [count], got ${labels.dtype} ${formatShape(labels.shape)}`,
    );
  }
  const [count = 0, height = 0, width = 0] = images.shape;
  const labelCount = labels.shape[0] ?? 0;
  if (count !== labelCount) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${imagesPath} holds ${count} images but ${labelsPath} holds ${labelCount} labels`,
    );
  }
  const bad = labels.data.findIndex((l) => l >= FASHION_MNIST_CLASS_NAMES.length);
  if (bad >= 0) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${labelsPath} label ${bad} is ${labels.data[bad]}, expected 0..${FASHION_MNIST_CLASS_NAMES.length - 1}`,
    );
  }
  const keep = Math.min(count, limit ?? count);
  const dataset = createImageDataset({
    name: `fashion-mnist/${split}`,
    height,
    width,
    channels: 1,
    classNames: FASHION_MNIST_CLASS_NAMES,
    // copy when limited, so the full arrays can be freed
    images: keep === count ? images.data : images.data.slice(0, keep * height * width),
    labels: Int32Array.from(labels.data.subarray(0, keep)),
  });
  return { ...dataset, dir, split };
}
