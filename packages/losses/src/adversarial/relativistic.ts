import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkLogits } from '../internal/validate.js';

/**
 * Discriminator loss of the relativistic average GAN (Jolicoeur-Martineau 2018, "The
 * relativistic discriminator: a key element missing from standard GAN"), in the form ESRGAN
 * uses (Wang et al. 2018, eq. 1), on logits C(.):
 *
 *   `D_Ra(a, b) = sigmoid(C(a) - E[C(b)])`
 *   `L_D = -E_r[log D_Ra(x_r, x_f)] - E_f[log(1 - D_Ra(x_f, x_r))]`
 *       `= mean(softplus(-(C(x_r) - mean C(x_f)))) + mean(softplus(C(x_f) - mean C(x_r)))`
 *
 * (Jolicoeur-Martineau's reference code halves both losses; ESRGAN does not.)
 *
 * @param realLogits - C on real images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @param fakeLogits - C on generated images, same form
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for logits that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { relativisticAverageDiscriminatorLoss } from '@gankit/losses';
 * const loss = relativisticAverageDiscriminatorLoss(tf.tensor1d([0]), tf.tensor1d([0])); // 2 ln 2
 * ```
 * @category Adversarial losses
 */
export function relativisticAverageDiscriminatorLoss(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
): tf.Scalar {
  const fn = 'relativisticAverageDiscriminatorLoss';
  checkLogits(fn, 'realLogits', realLogits);
  checkLogits(fn, 'fakeLogits', fakeLogits);
  return tf.tidy(() => {
    const r = tf.reshape(realLogits, [-1]);
    const f = tf.reshape(fakeLogits, [-1]);
    return tf.add(
      tf.mean(tf.softplus(tf.neg(tf.sub(r, tf.mean(f))))),
      tf.mean(tf.softplus(tf.sub(f, tf.mean(r)))),
    );
  });
}

/**
 * Generator loss of the relativistic average GAN (Jolicoeur-Martineau 2018; ESRGAN, Wang et
 * al. 2018, eq. 2). It is symmetric to D's and needs the logits of real images too, so G
 * profits from the gradients of both real and generated data:
 *
 *   `L_G = -E_r[log(1 - D_Ra(x_r, x_f))] - E_f[log D_Ra(x_f, x_r)]`
 *       `= mean(softplus(C(x_r) - mean C(x_f))) + mean(softplus(-(C(x_f) - mean C(x_r))))`
 *
 * @param fakeLogits - C on generated images, shape [batch], [batch, 1] or [batch, h, w, 1] (PatchGAN; means run over patches too)
 * @param realLogits - C on real images (required; compute them with D frozen)
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `INVALID_ARGUMENT` without `realLogits`, `SHAPE_MISMATCH` for logits that are not one per example
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { relativisticAverageGeneratorLoss } from '@gankit/losses';
 * const loss = relativisticAverageGeneratorLoss(tf.tensor1d([0]), tf.tensor1d([0])); // 2 ln 2
 * ```
 * @category Adversarial losses
 */
export function relativisticAverageGeneratorLoss(fakeLogits: tf.Tensor, realLogits?: tf.Tensor): tf.Scalar {
  const fn = 'relativisticAverageGeneratorLoss';
  checkLogits(fn, 'fakeLogits', fakeLogits);
  if (realLogits === undefined) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: realLogits is required (the relativistic generator loss compares generated images with real ones); pass D's logits on the real batch as the second argument`,
    );
  }
  checkLogits(fn, 'realLogits', realLogits);
  return tf.tidy(() => {
    const r = tf.reshape(realLogits, [-1]);
    const f = tf.reshape(fakeLogits, [-1]);
    return tf.add(
      tf.mean(tf.softplus(tf.sub(r, tf.mean(f)))),
      tf.mean(tf.softplus(tf.neg(tf.sub(f, tf.mean(r))))),
    );
  });
}
