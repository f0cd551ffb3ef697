import * as tf from '@tensorflow/tfjs-core';
import { checkLogits } from '../internal/validate.js';

/**
 * Discriminator loss of the original GAN (Goodfellow et al. 2014), on logits:
 *
 *   `L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = mean(softplus(-realLogits)) + mean(softplus(fakeLogits))`
 *
 * where D = sigmoid(logit). Shared by the minimax and the non-saturating formulations.
 *
 * @param realLogits - D's logits on real images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @param fakeLogits - D's logits on generated images, same form
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for logits that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { minimaxDiscriminatorLoss } from '@gankit/losses';
 * const loss = minimaxDiscriminatorLoss(tf.tensor1d([0]), tf.tensor1d([0])); // 2 ln 2
 * ```
 * @category Adversarial losses
 */
export function minimaxDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  checkLogits('minimaxDiscriminatorLoss', 'realLogits', realLogits);
  checkLogits('minimaxDiscriminatorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))));
}

/**
 * The true minimax ("saturating") generator loss of Goodfellow et al. 2014, on logits:
 *
 *   `L_G = E[log(1 - D(G(z)))] = -mean(softplus(fakeLogits))`
 *
 * Its gradient vanishes when D confidently rejects the fakes, which is why the paper
 * recommends {@link nonSaturatingGeneratorLoss} in practice.
 *
 * @param fakeLogits - D's logits on generated images
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for logits that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { minimaxGeneratorLoss } from '@gankit/losses';
 * const loss = minimaxGeneratorLoss(tf.tensor1d([0])); // -ln 2
 * ```
 * @category Adversarial losses
 */
export function minimaxGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  checkLogits('minimaxGeneratorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => tf.neg(tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

/**
 * The non-saturating generator loss (Goodfellow et al. 2014, section 3), on logits:
 *
 *   `L_G = -E[log D(G(z))] = mean(softplus(-fakeLogits))`
 *
 * Same fixed point as the minimax loss, strong gradients early in training.
 *
 * @param fakeLogits - D's logits on generated images
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for logits that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { nonSaturatingGeneratorLoss } from '@gankit/losses';
 * const loss = nonSaturatingGeneratorLoss(tf.tensor1d([0])); // ln 2
 * ```
 * @category Adversarial losses
 */
export function nonSaturatingGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  checkLogits('nonSaturatingGeneratorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))));
}
