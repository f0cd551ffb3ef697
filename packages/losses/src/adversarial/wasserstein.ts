import * as tf from '@tensorflow/tfjs-core';
import { checkLogits } from '../internal/validate.js';

/**
 * Critic loss of the Wasserstein GAN (Arjovsky et al. 2017, "Wasserstein GAN", Algorithm 1),
 * on the critic's raw scores:
 *
 *   `L_D = E[D(G(z))] - E[D(x)]`
 *
 * The critic must be kept (roughly) 1-Lipschitz: with {@link clipWeights} (the original
 * paper), {@link gradientPenalty} (WGAN-GP) or spectral normalization.
 *
 * @param realLogits - the critic's scores on real images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @param fakeLogits - the critic's scores on generated images, same form
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for scores that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { wassersteinDiscriminatorLoss } from '@gankit/losses';
 * const loss = wassersteinDiscriminatorLoss(tf.tensor1d([3]), tf.tensor1d([1])); // 1 - 3 = -2
 * ```
 * @category Adversarial losses
 */
export function wassersteinDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  checkLogits('wassersteinDiscriminatorLoss', 'realLogits', realLogits);
  checkLogits('wassersteinDiscriminatorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => tf.sub(tf.mean(fakeLogits), tf.mean(realLogits)));
}

/**
 * Generator loss of the Wasserstein GAN (Arjovsky et al. 2017):
 *
 *   `L_G = -E[D(G(z))]`
 *
 * @param fakeLogits - the critic's scores on generated images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for scores that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { wassersteinGeneratorLoss } from '@gankit/losses';
 * const loss = wassersteinGeneratorLoss(tf.tensor1d([2])); // -2
 * ```
 * @category Adversarial losses
 */
export function wassersteinGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  checkLogits('wassersteinGeneratorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => tf.neg(tf.mean(fakeLogits)) as tf.Scalar);
}
