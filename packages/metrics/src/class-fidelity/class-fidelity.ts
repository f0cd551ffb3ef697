import { checkInteger, formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Anything that labels images, e.g. `ClassifierEncoder` from `@gankit/encoders`.
 * @category Class fidelity
 */
export interface ImageClassifier {
  /** @returns int32 [batch] predicted labels (the caller owns it) */
  predict(images: tf.Tensor4D): tf.Tensor;
}

/**
 * Options of {@link classFidelity}.
 * @category Class fidelity
 */
export interface ClassFidelityOptions {
  /** Number of classes (sizes `perClass`). Default: 1 + the largest requested label. */
  numClasses?: number;
  /** Images classified per batch. Default 256. */
  batchSize?: number;
}

/**
 * What {@link classFidelity} measured.
 * @category Class fidelity
 */
export interface ClassFidelity {
  /** Share of samples the classifier assigns to the class they were generated for. */
  accuracy: number;
  /** The same share per requested class (NaN for a class that was not requested). */
  perClass: number[];
  /** Number of samples requested per class. */
  counts: number[];
}

/**
 * Class fidelity of a class-conditional generator: how often a fixed classifier assigns
 * G(z, y) to class y (the "classification accuracy" check of conditional GAN papers, e.g.
 * Odena et al. 2017). Reads predictions back with `await data()`, so it is safe on GPU
 * backends. The inputs are not disposed.
 *
 * @param classifier - the judge, e.g. `await loadFashionClassifier()`
 * @param images - [n, h, w, c] generated images, in the classifier's input range
 * @param labels - the n classes the images were generated for
 * @param options - number of classes and batch size
 * @returns overall and per-class accuracy
 * @throws GanError `SHAPE_MISMATCH` when the counts differ, `INVALID_ARGUMENT` for a label outside [0, numClasses)
 * @example
 * ```ts
 * import { classFidelity } from '@gankit/metrics';
 * import * as tf from '@tensorflow/tfjs-core';
 * // a stand-in classifier that calls every image class 1
 * const judge = { predict: (x: tf.Tensor4D) => tf.fill([x.shape[0]], 1, 'int32') };
 * const images = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
 * const r = await classFidelity(judge, images, [1, 1, 0, 2]);
 * console.log(r.accuracy, r.perClass); // 0.5 [0, 1, 0]
 * images.dispose();
 * ```
 * @category Class fidelity
 */
export async function classFidelity(
  classifier: ImageClassifier,
  images: tf.Tensor4D,
  labels: ArrayLike<number>,
  options: ClassFidelityOptions = {},
): Promise<ClassFidelity> {
  const fn = 'classFidelity';
  const n = images.shape[0];
  if (labels.length !== n) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: got ${n} images (${formatShape(images.shape)}) but ${labels.length} labels`,
    );
  }
  let maxLabel = -1;
  for (let i = 0; i < n; i++) maxLabel = Math.max(maxLabel, labels[i]!);
  const numClasses = checkInteger(fn, 'numClasses', options.numClasses ?? maxLabel + 1);
  const batchSize = checkInteger(fn, 'batchSize', options.batchSize ?? 256);
  const counts = new Array<number>(numClasses).fill(0);
  const hits = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: labels must be integers in [0, ${numClasses - 1}], got ${y} at index ${i}`,
      );
    }
    counts[y]!++;
  }
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const predicted = tf.tidy(() =>
      classifier.predict(tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1])),
    );
    const values = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < size; i++) {
      const y = labels[start + i]!;
      if (values[i] === y) hits[y]!++;
    }
  }
  const total = hits.reduce((a, b) => a + b, 0);
  return {
    accuracy: n === 0 ? 0 : total / n,
    perClass: counts.map((c, k) => (c === 0 ? Number.NaN : hits[k]! / c)),
    counts,
  };
}
