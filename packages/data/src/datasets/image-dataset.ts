import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A labelled image dataset held in memory as bytes: `count` images of `height x width x channels`
 * pixels (NHWC, row-major, uint8 0..255) and one integer label per image in `[0, numClasses)`.
 * Turn index batches into float tensors with {@link toTensorBatch}.
 * @category Data
 */
export interface ImageDataset {
  /** A short name for messages and reports, e.g. `fashion-mnist/train`. */
  readonly name: string;
  /** Number of images. */
  readonly count: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Channels per pixel (1 grayscale, 3 RGB). */
  readonly channels: number;
  /** Number of classes; labels lie in `[0, numClasses)`. */
  readonly numClasses: number;
  /** One human-readable name per class, `classNames[label]`. */
  readonly classNames: readonly string[];
  /** All pixels, NHWC: image `i` is `images.subarray(i * h * w * c, (i + 1) * h * w * c)`. */
  readonly images: Uint8Array;
  /** One label per image. */
  readonly labels: Int32Array;
}

/**
 * The fields of an {@link ImageDataset}, as passed to {@link createImageDataset}.
 * @category Data
 */
export interface ImageDatasetOptions {
  /** A short name for messages. */
  name: string;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Channels per pixel. */
  channels: number;
  /** Class names; their number is `numClasses`. */
  classNames: readonly string[];
  /** NHWC pixels; the length must be a multiple of `height * width * channels`. */
  images: Uint8Array;
  /** One label per image, each in `[0, classNames.length)`. */
  labels: Int32Array;
}

/**
 * Builds an {@link ImageDataset} after checking that its parts agree: the pixel count is a whole
 * number of images, there is one label per image and every label names a class.
 *
 * @param options - the dataset's fields
 * @returns the dataset (the arrays are used as they are, not copied)
 * @throws GanError `INVALID_ARGUMENT` when a size is not a positive integer or there are no classes
 * @throws GanError `INVALID_DATA` when the pixel and label counts disagree or a label is out of range
 * @example
 * ```ts
 * import { createImageDataset } from '@gankit/data';
 * const ds = createImageDataset({
 *   name: 'tiny', height: 2, width: 2, channels: 1, classNames: ['dark', 'light'],
 *   images: new Uint8Array([0, 0, 0, 0, 255, 255, 255, 255]), labels: new Int32Array([0, 1]),
 * });
 * console.log(ds.count); // 2
 * ```
 * @category Data
 */
export function createImageDataset(options: ImageDatasetOptions): ImageDataset {
  const fn = 'createImageDataset';
  const { name, height, width, channels, classNames, images, labels } = options;
  for (const [key, value] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: ${key} of ${name} must be an integer >= 1, got ${value}`,
      );
    }
  }
  if (classNames.length < 1) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must have at least one class name, got none`);
  }
  const imageSize = height * width * channels;
  if (images.length % imageSize !== 0) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${name} has ${images.length} pixel bytes, not a whole number of ` +
        `${height}x${width}x${channels} images (${imageSize} bytes each)`,
    );
  }
  const count = images.length / imageSize;
  if (labels.length !== count) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${name} has ${count} images but ${labels.length} labels; expected one label per image`,
    );
  }
  const numClasses = classNames.length;
  const bad = labels.findIndex((l) => l < 0 || l >= numClasses);
  if (bad >= 0) {
    throw new GanError(
      'INVALID_DATA',
      `${fn}: ${name} label ${bad} is ${labels[bad]}, expected an integer in [0, ${numClasses})`,
    );
  }
  return { name, count, height, width, channels, numClasses, classNames, images, labels };
}

/**
 * A batch of images and labels as tensors. The caller owns both and must dispose them.
 * @category Data
 */
export interface TensorBatch {
  /** float32 `[batch, height, width, channels]` with values in `[-1, 1]`. */
  images: tf.Tensor4D;
  /** int32 `[batch]` class labels. */
  labels: tf.Tensor1D;
}

function checkIndices(fn: string, dataset: ImageDataset, indices: ArrayLike<number>): void {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= dataset.count) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: indices[${i}] is ${index}, expected an integer in [0, ${dataset.count}) for ${dataset.name}`,
      );
    }
  }
}

/**
 * Turns an index batch into tensors: the images as float32 NHWC scaled from `0..255` to
 * `[-1, 1]` (`v / 127.5 - 1`, the range of a tanh generator) and the labels as int32.
 * The scaling happens in JavaScript, so no intermediate tensors are created.
 *
 * @param dataset - the dataset to read from
 * @param indices - image indices (e.g. a batch from {@link BatchSampler.next}); default: all images
 * @returns `{ images, labels }`; the caller owns both tensors and must dispose them
 * @throws GanError `INVALID_ARGUMENT` when an index is out of range or the batch is empty
 * @example
 * ```ts
 * import { loadFashionMnist, toTensorBatch } from '@gankit/data';
 * const ds = await loadFashionMnist({ dir: 'bundled' });
 * const { images, labels } = toTensorBatch(ds, [0, 1, 2, 3]);
 * console.log(images.shape); // [4, 28, 28, 1]
 * images.dispose();
 * labels.dispose();
 * ```
 * @category Data
 */
export function toTensorBatch(dataset: ImageDataset, indices?: ArrayLike<number>): TensorBatch {
  const fn = 'toTensorBatch';
  const idx = indices ?? Array.from({ length: dataset.count }, (_, i) => i);
  if (idx.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: indices must not be empty for ${dataset.name}`);
  }
  checkIndices(fn, dataset, idx);
  const { height, width, channels } = dataset;
  const imageSize = height * width * channels;
  const pixels = new Float32Array(idx.length * imageSize);
  const labels = new Int32Array(idx.length);
  for (let b = 0; b < idx.length; b++) {
    const index = idx[b]!;
    const src = index * imageSize;
    const dst = b * imageSize;
    for (let p = 0; p < imageSize; p++) pixels[dst + p] = dataset.images[src + p]! / 127.5 - 1;
    labels[b] = dataset.labels[index]!;
  }
  return {
    images: tf.tensor4d(pixels, [idx.length, height, width, channels], 'float32'),
    labels: tf.tensor1d(labels, 'int32'),
  };
}

/**
 * A new dataset holding the chosen images (copied) in the given order.
 *
 * @param dataset - the dataset to take from
 * @param indices - the images to keep, in order (repeats allowed)
 * @param name - the new dataset's name (default: the old name)
 * @returns the subset
 * @throws GanError `INVALID_ARGUMENT` when an index is out of range
 * @example
 * ```ts
 * import { loadFashionMnist, subsetImageDataset } from '@gankit/data';
 * const ds = await loadFashionMnist({ dir: 'bundled' });
 * console.log(subsetImageDataset(ds, [5, 3, 1]).count); // 3
 * ```
 * @category Data
 */
export function subsetImageDataset(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  name: string = dataset.name,
): ImageDataset {
  checkIndices('subsetImageDataset', dataset, indices);
  const imageSize = dataset.height * dataset.width * dataset.channels;
  const images = new Uint8Array(indices.length * imageSize);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    images.set(dataset.images.subarray(index * imageSize, (index + 1) * imageSize), i * imageSize);
    labels[i] = dataset.labels[index]!;
  }
  return { ...dataset, name, count: indices.length, images, labels };
}

/**
 * Picks `perClass` images of every class at random (seeded), for class-balanced subsets. The
 * result is shuffled, so any prefix of it is roughly balanced too.
 *
 * @param labels - one label per image
 * @param numClasses - labels lie in `[0, numClasses)`
 * @param perClass - how many images to take from each class
 * @param seed - the seed; the same labels and seed give the same indices
 * @returns `numClasses * perClass` distinct image indices in shuffled order
 * @throws GanError `INVALID_ARGUMENT` when a count is not a positive integer
 * @throws GanError `INVALID_DATA` when a class has fewer than `perClass` images
 * @example
 * ```ts
 * import { stratifiedIndices } from '@gankit/data';
 * const picked = stratifiedIndices(new Int32Array([0, 1, 0, 1, 0, 1]), 2, 2, 7);
 * console.log(picked.length); // 4
 * ```
 * @category Data
 */
export function stratifiedIndices(
  labels: ArrayLike<number>,
  numClasses: number,
  perClass: number,
  seed: number,
): number[] {
  const fn = 'stratifiedIndices';
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: numClasses must be an integer >= 1, got ${numClasses}`);
  }
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: perClass must be an integer >= 1, got ${perClass}`);
  }
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]?.push(i);
  const rng = new SeededRandom(seed);
  const picked: number[] = [];
  byClass.forEach((members, c) => {
    if (members.length < perClass) {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: class ${c} has ${members.length} images, fewer than perClass = ${perClass}`,
      );
    }
    picked.push(...rng.shuffle(members).slice(0, perClass));
  });
  return rng.shuffle(picked);
}
