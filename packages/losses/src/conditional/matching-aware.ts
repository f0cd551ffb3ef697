import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type AdversarialLoss, getAdversarialLoss } from '../adversarial/registry.js';
import { checkLogits, checkOptions, describe, weightOption } from '../internal/validate.js';

/**
 * Options of {@link matchingAwareDiscriminatorLoss}.
 * @category Conditional losses
 */
export interface MatchingAwareOptions {
  /** Weight of {fake image, right text}. Default 0.5 (Reed et al.'s reference code). */
  fakeWeight?: number;
  /** Weight of {real image, wrong text}. Default 0.5. */
  wrongWeight?: number;
  /** The adversarial pair whose discriminator loss scores each term. Default `minimax` (sigmoid cross-entropy). */
  loss?: string | AdversarialLoss;
}

/**
 * The matching-aware discriminator loss of GAN-CLS (Reed et al. 2016, "Generative Adversarial
 * Text to Image Synthesis", Algorithm 1): D sees {real image, right text} as real and both
 * {fake image, right text} and {real image, wrong text} as fake,
 *
 *   `L_D = w_f * L(s_r, s_f) + w_w * L(s_r, s_w)`,   `w_f = w_w = 0.5` by default
 *
 * where L is an adversarial discriminator loss (sigmoid cross-entropy by default). With cross-
 * entropy and the defaults this is Reed et al.'s
 * `-log D(s_r) - (log(1 - D(s_w)) + log(1 - D(s_f))) / 2`; the real term carries weight `w_f + w_w`.
 *
 * @param realRightLogits - `s_r`: D on real images with their own text, [batch] or [batch, 1]
 * @param fakeRightLogits - `s_f`: D on generated images with the text they were made from
 * @param realWrongLogits - `s_w`: D on real images with mismatched text
 * @param options - the two weights and the underlying adversarial loss
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for logits that are not one per example; `UNKNOWN_NAME` for an unknown loss name; `INVALID_ARGUMENT` for negative weights
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { matchingAwareDiscriminatorLoss } from '@gankit/losses';
 * const z = tf.tensor1d([0]);
 * const loss = matchingAwareDiscriminatorLoss(z, z, z); // ln 2 + (ln 2 + ln 2) / 2 = 2 ln 2
 * ```
 * @category Conditional losses
 */
export function matchingAwareDiscriminatorLoss(
  realRightLogits: tf.Tensor,
  fakeRightLogits: tf.Tensor,
  realWrongLogits: tf.Tensor,
  options?: MatchingAwareOptions,
): tf.Scalar {
  const fn = 'matchingAwareDiscriminatorLoss';
  checkLogits(fn, 'realRightLogits', realRightLogits);
  checkLogits(fn, 'fakeRightLogits', fakeRightLogits);
  checkLogits(fn, 'realWrongLogits', realWrongLogits);
  const o = checkOptions(fn, options);
  const wf = weightOption(fn, 'fakeWeight', o.fakeWeight, 0.5);
  const ww = weightOption(fn, 'wrongWeight', o.wrongWeight, 0.5);
  let pair: AdversarialLoss;
  if (o.loss === undefined || typeof o.loss === 'string') {
    pair = getAdversarialLoss(o.loss ?? 'minimax');
  } else if (typeof o.loss === 'object' && typeof o.loss.discriminator === 'function') {
    pair = o.loss;
  } else {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: loss must be an adversarial loss name or pair, got ${describe(o.loss)}`,
    );
  }
  return tf.tidy(() =>
    tf.add(
      tf.mul(wf, pair.discriminator(realRightLogits, fakeRightLogits)),
      tf.mul(ww, pair.discriminator(realRightLogits, realWrongLogits)),
    ),
  );
}
