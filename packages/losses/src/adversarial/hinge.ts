import * as tf from '@tensorflow/tfjs-core';
import { checkLogits, checkOptions, positiveOption } from '../internal/validate.js';

/**
 * Options of the hinge losses.
 * @category Adversarial losses
 */
export interface HingeOptions {
  /** The margin m in relu(m - D(x)) and relu(m + D(G(z))). Default 1. */
  margin?: number;
}

/**
 * Discriminator hinge loss (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, "Spectral
 * Normalization for GANs"), on D's raw outputs:
 *
 *   `L_D = E[relu(m - D(x))] + E[relu(m + D(G(z)))]`,  `m = 1` by default
 *
 * Paired with spectral normalization it is a stable modern default.
 *
 * @param realLogits - D's outputs on real images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @param fakeLogits - D's outputs on generated images, same form
 * @param options - the margin
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for outputs that are not one per example, `INVALID_ARGUMENT` for a margin <= 0
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { hingeDiscriminatorLoss } from '@gankit/losses';
 * const loss = hingeDiscriminatorLoss(tf.tensor1d([2]), tf.tensor1d([0])); // 0 + 1 = 1
 * ```
 * @category Adversarial losses
 */
export function hingeDiscriminatorLoss(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options?: HingeOptions,
): tf.Scalar {
  const fn = 'hingeDiscriminatorLoss';
  checkLogits(fn, 'realLogits', realLogits);
  checkLogits(fn, 'fakeLogits', fakeLogits);
  const m = positiveOption(fn, 'margin', checkOptions(fn, options).margin, 1);
  return tf.tidy(() =>
    tf.add(tf.mean(tf.relu(tf.sub(m, realLogits))), tf.mean(tf.relu(tf.add(m, fakeLogits)))),
  );
}

/**
 * Generator hinge loss (Lim & Ye 2017; Miyato et al. 2018): G raises D's raw score on its images,
 *
 *   `L_G = -E[D(G(z))]`
 *
 * @param fakeLogits - D's outputs on generated images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for outputs that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { hingeGeneratorLoss } from '@gankit/losses';
 * const loss = hingeGeneratorLoss(tf.tensor1d([0.5, 1.5])); // -1
 * ```
 * @category Adversarial losses
 */
export function hingeGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  checkLogits('hingeGeneratorLoss', 'fakeLogits', fakeLogits);
  return tf.tidy(() => tf.neg(tf.mean(fakeLogits)) as tf.Scalar);
}
