import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, positiveOption } from '../internal/validate.js';

/** Something that holds weights: a tfjs-layers model or layer. @category Regularizers */
export interface HasTrainableWeights {
  /** The weights to clip, as tfjs-layers exposes them. */
  readonly trainableWeights: readonly { read(): tf.Tensor }[];
}

/**
 * Weight clipping of the original Wasserstein GAN (Arjovsky et al. 2017, Algorithm 1, line 7):
 * after each critic update every weight w becomes clip(w, -c, c), c = 0.01 by default, a crude
 * way to keep the critic Lipschitz (WGAN-GP's {@link gradientPenalty} or spectral normalization
 * work better). Updates the variables in place; not a loss.
 *
 * @param weights - the critic's variables, or a model/layer whose trainable weights are clipped
 * @param clipValue - c > 0
 * @throws GanError `INVALID_ARGUMENT` for c <= 0 or something that holds no variables
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { clipWeights } from '@gankit/losses';
 * const w = tf.variable(tf.tensor1d([-1, 0.005, 2]));
 * clipWeights([w], 0.01); // w = [-0.01, 0.005, 0.01]
 * ```
 * @category Regularizers
 */
export function clipWeights(weights: readonly tf.Variable[] | HasTrainableWeights, clipValue = 0.01): void {
  const fn = 'clipWeights';
  const c = positiveOption(fn, 'clipValue', clipValue, 0.01);
  let variables: tf.Variable[];
  if (Array.isArray(weights)) {
    variables = weights as tf.Variable[];
  } else if (weights && typeof weights === 'object' && 'trainableWeights' in weights) {
    variables = (weights as HasTrainableWeights).trainableWeights.map((w) => w.read() as tf.Variable);
  } else {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: weights must be an array of variables or a model with trainableWeights, got ${describe(weights)}`,
    );
  }
  for (const [i, v] of variables.entries()) {
    if (!(v instanceof tf.Variable)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: weights[${i}] must be a tf.Variable, got ${describe(v)}`,
      );
    }
  }
  tf.tidy(() => {
    for (const v of variables) v.assign(tf.clipByValue(v, -c, c));
  });
}
