import { GanError } from '@gankit/core';
import { type AdversarialLoss, type AdversarialLossName, getAdversarialLoss } from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import { type OptimizerStepOptions, optimizerStep } from '../engine/update.js';

/**
 * @internal A strategy's adversarial loss pair: a registry name (default `non-saturating`) or
 * a pair of functions, checked here so that a malformed pair fails at construction, not at the
 * first step.
 * @param fn - the strategy's name, for messages
 * @param loss - the strategy's `loss` option
 * @returns the pair
 * @throws GanError `UNKNOWN_NAME` for an unregistered name, `INVALID_ARGUMENT` for an object
 *   without `discriminator` and `generator` functions
 */
export function resolveAdversarialLoss(
  fn: string,
  loss: AdversarialLossName | AdversarialLoss | undefined,
): AdversarialLoss {
  if (typeof loss !== 'object') return getAdversarialLoss(loss ?? 'non-saturating');
  if (typeof loss?.discriminator !== 'function' || typeof loss.generator !== 'function') {
    const got = loss === null ? 'null' : `a ${typeof loss.discriminator} and a ${typeof loss.generator}`;
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: loss '${loss?.name}' must have discriminator and generator functions, got ${got}`,
    );
  }
  return loss;
}

/**
 * @internal What one discriminator update needs. The logits and the penalty are functions
 * because they must run on D's gradient tape.
 */
export interface DiscriminatorStepOptions {
  /** The adversarial loss pair. */
  loss: AdversarialLoss;
  /** D's optimizer. */
  optimizer: tf.Optimizer;
  /** D's trainable variables: only these move. */
  variables: tf.Variable[];
  /** D's logits on the real batch (called first, which matters to batch-norm statistics). */
  realLogits: () => tf.Tensor;
  /** D's logits on a generated batch (generate it before the step, so that D's tape does not record G). */
  fakeLogits: () => tf.Tensor;
  /** Multiplies the adversarial loss (pix2pix halves D's objective). Default 1. */
  weight?: number;
  /** A penalty added to the loss and logged as `d_penalty` (WGAN-GP, R1); null for none. */
  penalty?: () => tf.Scalar | null;
  /** Gradient clipping. */
  clip?: OptimizerStepOptions;
}

/** @internal The loss terms of one discriminator update; the caller owns them. */
export interface DiscriminatorTerms {
  /** The total: the weighted adversarial loss plus the penalty. */
  d_loss: tf.Scalar;
  /** The penalty alone, when there is one. */
  d_penalty?: tf.Scalar;
}

/**
 * @internal One discriminator update on `weight * L_D(real logits, fake logits) + penalty`, as
 * TF-GAN's `gan_loss` composes it; every strategy's D step is this one.
 * @param options - loss pair, optimizer, variables, logits, weight, penalty, clipping
 * @returns `d_loss` and, with a penalty, `d_penalty`
 */
export function discriminatorStep(options: DiscriminatorStepOptions): DiscriminatorTerms {
  const { loss, weight } = options;
  // assigned inside the tape closure, so kept in an object TypeScript does not narrow
  const kept: { penalty?: tf.Scalar } = {};
  const total = optimizerStep(
    options.optimizer,
    () => {
      const value = loss.discriminator(options.realLogits(), options.fakeLogits());
      const adversarial = weight === undefined ? value : (tf.mul(weight, value) as tf.Scalar);
      const penalty = options.penalty?.() ?? null;
      if (!penalty) return adversarial;
      kept.penalty = tf.keep(tf.clone(penalty));
      return tf.add(adversarial, penalty) as tf.Scalar;
    },
    options.variables,
    options.clip,
  );
  return kept.penalty ? { d_loss: total, d_penalty: kept.penalty } : { d_loss: total };
}

/**
 * @internal G's adversarial term L_G, called on G's gradient tape. Relativistic losses
 * (`loss.generatorNeedsRealLogits`) also compare with D's logits on the real batch: only then is
 * `realLogits` called, on the same tape. Those logits do not depend on G, and G's update lists
 * only G's variables, so no gradient reaches D.
 * @param loss - the adversarial loss pair
 * @param fakeLogits - D's logits on G's output, recorded on G's tape
 * @param realLogits - computes D's logits on a real batch; called only when the loss needs them
 * @returns the scalar term (inside the tape's tidy scope)
 */
export function generatorAdversarialTerm(
  loss: AdversarialLoss,
  fakeLogits: tf.Tensor,
  realLogits: () => tf.Tensor,
): tf.Scalar {
  return loss.generatorNeedsRealLogits
    ? loss.generator(fakeLogits, realLogits())
    : loss.generator(fakeLogits);
}
