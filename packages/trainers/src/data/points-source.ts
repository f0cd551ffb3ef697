import { SeededRandom, type SeededRandomState } from '@gankit/core';
import type { GaussianMixture } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchSource } from '../engine/types.js';

/**
 * Options of {@link pointsBatchSource}.
 * @category Data
 */
export interface PointsBatchSourceOptions {
  /** Points per batch. */
  batchSize: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
}

/**
 * Serves fresh batches of 2-D points drawn from a Gaussian mixture, as [batch, 2] tensors in
 * `images` (the field every strategy reads its real samples from). Resumable: its position
 * is the random state.
 * @param mixture - the distribution to draw from
 * @param options - batch size and seed
 * @returns a batch source
 * @example
 * ```ts
 * import { gaussianMixture } from '@gankit/data';
 * import { pointsBatchSource } from '@gankit/trainers';
 * const data = pointsBatchSource(gaussianMixture({ kind: 'ring' }), { batchSize: 256 });
 * ```
 * @category Data
 */
export function pointsBatchSource(
  mixture: GaussianMixture,
  options: PointsBatchSourceOptions,
): BatchSource<Batch> {
  const rng = new SeededRandom(options.seed ?? 0);
  return {
    next: () => ({ images: tf.tensor2d(mixture.sample(options.batchSize, rng), [options.batchSize, 2]) }),
    getState: () => rng.getState(),
    setState: (state: unknown) => rng.setState(state as SeededRandomState),
  };
}
