import type * as tf from '@tensorflow/tfjs-core';

/**
 * A discriminator loss and a generator loss that belong together, both on logits.
 * @category Adversarial losses
 */
export interface AdversarialLoss {
  /** The registry name. */
  readonly name: string;
  /** One line on what it is and where it comes from. */
  readonly description: string;
  /** `L_D(real logits, fake logits)`. */
  discriminator(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  /**
   * `L_G(fake logits)`. Relativistic losses also need D's logits on the real batch (computed with
   * D frozen); see `generatorNeedsRealLogits`.
   */
  generator(fakeLogits: tf.Tensor, realLogits?: tf.Tensor): tf.Scalar;
  /** True when `generator` needs `realLogits` (relativistic losses); trainers must then pass them. */
  readonly generatorNeedsRealLogits?: boolean;
}
