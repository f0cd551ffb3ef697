import * as tf from '@tensorflow/tfjs-core';
import { checkLogits, checkOptions, numberOption } from '../internal/validate.js';

/**
 * Options of the least-squares (LSGAN) losses: the a-b-c coding of Mao et al. 2017.
 * @category Adversarial losses
 */
export interface LeastSquaresOptions {
  /** b: the target D is pulled towards on real images. Default 1. */
  realTarget?: number;
  /** a: the target D is pulled towards on generated images. Default 0. */
  fakeTarget?: number;
  /** c: the value G wants D to believe for its images. Default 1. */
  generatorTarget?: number;
}

function targets(fn: string, options: LeastSquaresOptions | undefined) {
  const o = checkOptions(fn, options);
  return {
    a: numberOption(fn, 'fakeTarget', o.fakeTarget, 0),
    b: numberOption(fn, 'realTarget', o.realTarget, 1),
    c: numberOption(fn, 'generatorTarget', o.generatorTarget, 1),
  };
}

/**
 * Discriminator loss of the least-squares GAN (Mao et al. 2017, "Least Squares Generative
 * Adversarial Networks", eq. 2), on D's raw outputs (no sigmoid):
 *
 *   `L_D = 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]`
 *
 * with a = 0, b = 1 by default (the paper's 0-1 coding; a = -1, b = 1, c = 0 is its other choice).
 *
 * @param realLogits - D's outputs on real images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @param fakeLogits - D's outputs on generated images, same form
 * @param options - the targets a and b
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for outputs that are not one per example, `INVALID_ARGUMENT` for non-finite targets
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { leastSquaresDiscriminatorLoss } from '@gankit/losses';
 * const loss = leastSquaresDiscriminatorLoss(tf.tensor1d([1]), tf.tensor1d([1])); // 0 + 0.5 = 0.5
 * ```
 * @category Adversarial losses
 */
export function leastSquaresDiscriminatorLoss(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options?: LeastSquaresOptions,
): tf.Scalar {
  const fn = 'leastSquaresDiscriminatorLoss';
  checkLogits(fn, 'realLogits', realLogits);
  checkLogits(fn, 'fakeLogits', fakeLogits);
  const { a, b } = targets(fn, options);
  return tf.tidy(() =>
    tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(realLogits, b))), tf.mean(tf.square(tf.sub(fakeLogits, a))))),
  );
}

/**
 * Generator loss of the least-squares GAN (Mao et al. 2017, eq. 2):
 *
 *   `L_G = 1/2 E[(D(G(z)) - c)^2]`
 *
 * @param fakeLogits - D's outputs on generated images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @param options - the target c (default 1)
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for outputs that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { leastSquaresGeneratorLoss } from '@gankit/losses';
 * const loss = leastSquaresGeneratorLoss(tf.tensor1d([0])); // 0.5
 * ```
 * @category Adversarial losses
 */
export function leastSquaresGeneratorLoss(fakeLogits: tf.Tensor, options?: LeastSquaresOptions): tf.Scalar {
  const fn = 'leastSquaresGeneratorLoss';
  checkLogits(fn, 'fakeLogits', fakeLogits);
  const { c } = targets(fn, options);
  return tf.tidy(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(fakeLogits, c)))));
}
