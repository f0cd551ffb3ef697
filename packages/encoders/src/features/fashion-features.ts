import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { fashionClassifierDir, loadFashionClassifier } from '../classifier/classifier-encoder.js';
import type { FeatureNetwork } from './feature-network.js';

/**
 * The shipped Fashion-MNIST classifier's penultimate layer as a {@link FeatureNetwork}: the
 * feature network of gankit's Fashion-MNIST metrics. Its `name` is
 * `fashion-classifier (penultimate, 128-d)` and its `weightsHash` the first 16 hex digits of the
 * SHA-256 of `weights.bin`, the strings stored in gankit's reference statistics and model cards.
 * Images must be 28x28x1 in [-1, 1]; they are not resized.
 * @param dir - a folder with the classifier's `model.json` and `weights.bin`; default
 *   {@link fashionClassifierDir}
 * @returns the extractor (the caller disposes it)
 * @throws GanError `IO_ERROR` when the folder lacks `weights.bin` or `model.json`, `INVALID_DATA`
 *   when it holds something other than a classifier encoder
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { fashionClassifierFeatures } from '@gankit/encoders';
 * const extractor = await fashionClassifierFeatures();
 * const features = extractor.features(tf.zeros([3, 28, 28, 1]));
 * console.log(extractor.name, features.shape); // fashion-classifier (penultimate, 128-d) [3, 128]
 * features.dispose();
 * extractor.dispose();
 * ```
 * @category Encoders
 */
export async function fashionClassifierFeatures(dir?: string): Promise<FeatureNetwork> {
  const fn = 'fashionClassifierFeatures';
  const folder = dir ?? fashionClassifierDir();
  const weightsPath = join(folder, 'weights.bin');
  let bytes: Buffer;
  try {
    bytes = readFileSync(weightsPath);
  } catch (e) {
    throw new GanError('IO_ERROR', `${fn}: cannot read ${weightsPath}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const weightsHash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const classifier = await loadFashionClassifier(folder);
  const [, h, w, c] = classifier.model.inputs[0]!.shape as number[];
  const expected = [h!, w!, c!] as const;
  const dim = classifier.model.outputs[0]!.shape[1] as number;
  let disposed = false;
  return {
    name: `fashion-classifier (penultimate, ${dim}-d)`,
    weightsHash,
    inputSize: undefined,
    inputShape: expected,
    channels: Object.freeze([expected[2]]),
    dim,
    features(images: tf.Tensor4D): tf.Tensor2D {
      if (disposed) throw new GanError('INVALID_ARGUMENT', `${fn}: features called after dispose()`);
      const s = images.shape as number[];
      if (s.length !== 4 || s[1] !== expected[0] || s[2] !== expected[1] || s[3] !== expected[2]) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `${fn}: images must have shape [batch, ${expected.join(', ')}], got ${formatShape(s)}`,
        );
      }
      // the logits are created inside the tidy and not returned, so it disposes them
      return tf.tidy(() => classifier.encode(images).features);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      classifier.dispose();
    },
  };
}
