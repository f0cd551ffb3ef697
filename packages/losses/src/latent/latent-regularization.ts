import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type NormKind, perSampleNorm } from '../internal/math.js';
import {
  checkFloat,
  checkMinRank,
  checkOptions,
  checkSameBatch,
  checkSameShape,
  choiceOption,
  describe,
  weightOption,
} from '../internal/validate.js';

/**
 * Options of {@link latentDistance}.
 * @category Latent regularization
 */
export interface LatentDistanceOptions {
  /** `l1` (default) or `l2`, per sample over every non-batch axis. */
  norm?: NormKind;
}

/**
 * Options of {@link lipschitzHinge}.
 * @category Latent regularization
 */
export interface LipschitzHingeOptions {
  /** k, the Lipschitz constant in `||G(z) - y|| <= k ||E(G(z)) - E(y)||`. Default 1. */
  k?: number;
  /** `l1` (default) or `l2`, used for both the image and the latent distance. */
  norm?: NormKind;
}

/**
 * The four tensors of the Lipschitz hinge.
 * @category Latent regularization
 */
export interface LipschitzHingeInputs {
  /** G(z), [batch, ...]. */
  generated: tf.Tensor;
  /** y, the ground truth, same shape as `generated`. */
  target: tf.Tensor;
  /** E(G(z)), [batch, ...] (the shape of z). */
  encodedGenerated: tf.Tensor;
  /** E(y), same shape as `encodedGenerated`. */
  encodedTarget: tf.Tensor;
}

/**
 * The latent distance of the latent-space-regularized supervised GAN ("Optimizing Supervised
 * GANs via Latent Space Regularizations", arXiv 2001.08126): how far the encoder puts the
 * generated image from its ground truth,
 *
 *   `L = mean_b ||E(y)_b - E(G(z))_b||`,   the norm (L1 by default, or L2) taken per sample
 *
 * Norms are per sample over every non-batch axis (a sum of absolute values for L1, the
 * Euclidean length for L2), then averaged over the batch: the claims state the distance per
 * pair (y, G(z)), and the batch mean is the expectation. E minimises it together with
 * {@link lipschitzHinge} (alone it collapses E to a constant); G minimises mu2 times it.
 *
 * @param encodedTarget - E(y), [batch, ...]
 * @param encodedGenerated - E(G(z)), same shape
 * @param options - the norm
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when the shapes differ
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { latentDistance } from '@gankit/losses';
 * const d = latentDistance(tf.tensor2d([[3, 4]]), tf.tensor2d([[0, 0]]), { norm: 'l2' }); // 5
 * ```
 * @category Latent regularization
 */
export function latentDistance(
  encodedTarget: tf.Tensor,
  encodedGenerated: tf.Tensor,
  options?: LatentDistanceOptions,
): tf.Scalar {
  const fn = 'latentDistance';
  checkFloat(fn, 'encodedTarget', encodedTarget);
  checkFloat(fn, 'encodedGenerated', encodedGenerated);
  checkMinRank(fn, 'encodedTarget', encodedTarget, 2, '[batch, ...features]');
  checkSameShape(fn, 'encodedTarget', 'encodedGenerated', encodedTarget, encodedGenerated);
  const norm = choiceOption(fn, 'norm', checkOptions(fn, options).norm, ['l1', 'l2'] as const, 'l1');
  return tf.tidy(() => tf.mean(perSampleNorm(tf.sub(encodedTarget, encodedGenerated), norm)));
}

/**
 * The Lipschitz hinge of the latent-space-regularized supervised GAN (arXiv 2001.08126): the
 * encoder must keep `||G(z) - y|| <= k ||E(G(z)) - E(y)||`, enforced per sample as
 *
 *   `L = mean_b relu(||G(z)_b - y_b|| - k ||E(G(z))_b - E(y)_b||)`
 *
 * with per-sample norms (L1 by default, or L2) over every non-batch axis. Per sample, because
 * the condition holds for each pair (a batch-mean norm would let far-apart pairs pay for
 * collapsed ones). It is what keeps E from collapsing to a constant when E minimises
 * {@link latentDistance}. Weight it with lambda in a {@link weightedSum}. Since the two norms live
 * in spaces of different sizes, k absorbs their ratio.
 *
 * @param inputs - G(z), y, E(G(z)) and E(y)
 * @param options - k and the norm
 * @returns the scalar penalty (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when G(z) and y (or E(G(z)) and E(y)) differ in shape or the batches differ; `INVALID_ARGUMENT` for k < 0
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { lipschitzHinge } from '@gankit/losses';
 * const h = lipschitzHinge({
 *   generated: tf.tensor2d([[4]]), target: tf.tensor2d([[0]]),
 *   encodedGenerated: tf.tensor2d([[1]]), encodedTarget: tf.tensor2d([[0]]),
 * }, { k: 2 }); // relu(4 - 2 * 1) = 2
 * ```
 * @category Latent regularization
 */
export function lipschitzHinge(inputs: LipschitzHingeInputs, options?: LipschitzHingeOptions): tf.Scalar {
  const fn = 'lipschitzHinge';
  if (inputs == null || typeof inputs !== 'object') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: inputs must be { generated, target, encodedGenerated, encodedTarget }, got ${describe(inputs)}`,
    );
  }
  const { generated, target, encodedGenerated, encodedTarget } = inputs;
  checkFloat(fn, 'generated', generated);
  checkFloat(fn, 'target', target);
  checkFloat(fn, 'encodedGenerated', encodedGenerated);
  checkFloat(fn, 'encodedTarget', encodedTarget);
  checkMinRank(fn, 'generated', generated, 2, '[batch, ...features]');
  checkMinRank(fn, 'encodedGenerated', encodedGenerated, 2, '[batch, ...features]');
  checkSameShape(fn, 'generated', 'target', generated, target);
  checkSameShape(fn, 'encodedGenerated', 'encodedTarget', encodedGenerated, encodedTarget);
  checkSameBatch(fn, ['generated', 'encodedGenerated'], [generated, encodedGenerated]);
  const o = checkOptions(fn, options);
  const k = weightOption(fn, 'k', o.k, 1);
  const norm = choiceOption(fn, 'norm', o.norm, ['l1', 'l2'] as const, 'l1');
  return tf.tidy(() => {
    const imageGap = perSampleNorm(tf.sub(generated, target), norm);
    const latentGap = perSampleNorm(tf.sub(encodedGenerated, encodedTarget), norm);
    return tf.mean(tf.relu(tf.sub(imageGap, tf.mul(k, latentGap))));
  });
}
