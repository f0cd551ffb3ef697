import { checkNumber, GanError, tfjsSeed } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { perSampleNorm } from '../internal/math.js';
import {
  checkFloat,
  checkLogits,
  checkMinRank,
  checkOptions,
  checkSameShape,
  describe,
  numberOption,
  weightOption,
} from '../internal/validate.js';
import { type CriticFn, criticInputGradient } from './second-order.js';

/**
 * A critic (discriminator) as the penalties see it: images in, one logit or score per image out
 * ([batch] or [batch, 1]). Wrap a model as `(x) => model.apply(x, { training: true }) as tf.Tensor`;
 * a conditional critic closes over its condition.
 * @category Regularizers
 */
export type Critic = CriticFn;

/**
 * Options of {@link gradientPenalty}.
 * @category Regularizers
 */
export interface GradientPenaltyOptions {
  /** lambda, the penalty's weight. Default 10 (Gulrajani et al.). */
  weight?: number;
  /** The gradient norm the critic is pulled towards. Default 1 (1-Lipschitz). */
  target?: number;
  /** Penalise only norms above the target, `max(0, ||g|| - target)^2` (Petzka et al. 2018). Default false. */
  oneSided?: boolean;
  /** Seed of the random interpolation weights. Without one tfjs' unseeded generator is used (not reproducible). */
  seed?: number;
}

/**
 * Options of {@link r1Penalty} and {@link r2Penalty}.
 * @category Regularizers
 */
export interface R1Options {
  /** gamma; the penalty is `gamma / 2 * E||grad||^2`. Default 10. */
  gamma?: number;
}

/** Per-call options of a penalty resolved from the registry. @category Regularizers */
export interface PenaltyCallOptions {
  /** Seed of the random interpolation weights (gradient penalty only). */
  seed?: number;
}

function checkCritic(fn: string, critic: unknown): asserts critic is Critic {
  if (typeof critic !== 'function') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: critic must be a function from images to logits, e.g. (x) => D.apply(x, { training: true }), got ${describe(critic)}`,
    );
  }
}

function outputCheck(fn: string, batch: number) {
  return (out: tf.Tensor) => {
    checkLogits(fn, 'critic output', out);
    if (out.shape[0] !== batch) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: critic output must have one logit per image (batch ${batch}), got shape [${out.shape.join(', ')}]`,
      );
    }
  };
}

/**
 * Random points on the straight lines between real and generated samples, the points where
 * WGAN-GP evaluates the critic's gradient: `x_hat = eps * real + (1 - eps) * fake` with one
 * `eps ~ U[0, 1)` per sample.
 *
 * @param real - real samples [batch, ...]
 * @param fake - generated samples, same shape
 * @param seed - seed of eps; the same seed gives the same points
 * @returns the interpolates, same shape (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when the shapes differ
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { randomInterpolates } from '@gankit/losses';
 * const x = randomInterpolates(tf.ones([4, 2]), tf.zeros([4, 2]), 7); // each row constant in [0, 1)
 * ```
 * @category Regularizers
 */
export function randomInterpolates(real: tf.Tensor, fake: tf.Tensor, seed?: number): tf.Tensor {
  const fn = 'randomInterpolates';
  checkFloat(fn, 'real', real);
  checkFloat(fn, 'fake', fake);
  checkMinRank(fn, 'real', real, 1, '[batch, ...]');
  checkSameShape(fn, 'real', 'fake', real, fake);
  if (seed !== undefined) checkNumber(fn, 'seed', seed);
  return tf.tidy(() => {
    const shape = [real.shape[0]!, ...real.shape.slice(1).map(() => 1)];
    const eps = tf.randomUniform(shape, 0, 1, 'float32', seed === undefined ? undefined : tfjsSeed(seed));
    return tf.add(fake, tf.mul(eps, tf.sub(real, fake)));
  });
}

/**
 * The gradient penalty of WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein
 * GANs", Algorithm 1), on random interpolates `x_hat` between real and generated samples:
 *
 *   `GP = lambda * E[(||grad_x D(x_hat)||_2 - target)^2]`,       `lambda = 10`, `target = 1` by default
 *   one-sided (Petzka et al. 2018): `lambda * E[max(0, ||grad_x D(x_hat)||_2 - target)^2]`
 *
 * The norm is per sample, over every non-batch axis. Add it to the critic's loss; it reaches
 * D's weights through a second-order gradient. Pass generated samples produced outside the tape
 * (or with G frozen) so that G receives nothing from it.
 *
 * Second-order gradients: tfjs differentiates twice correctly through dense, conv2d,
 * conv2dTranspose, flatten, reshape, globalAveragePooling2d, layerNormalization,
 * batchNormalization and gankit's SpectralNormalization wrapper, with the activations
 * linear, relu, relu6, leakyReLU, prelu, selu, softplus, softsign, hardSigmoid and gelu (checked
 * against finite differences on the cpu and wasm backends). tanh, sigmoid, swish, mish,
 * gelu_new, elu, exp, softmax and logSoftmax give wrong second-order gradients in tfjs 4.22, and
 * max/average pooling, upSampling2d and depthwise convolutions have none: when the penalty is
 * being differentiated (inside `tf.grad` / `optimizer.minimize`) and the critic uses one of
 * them, it throws instead of returning a wrong gradient. On wasm, gankit's training kernels
 * (`registerTrainingKernels('wasm')`) are needed for convolutional critics.
 *
 * @param critic - images to logits, e.g. `(x) => D.apply(x, { training: true }) as tf.Tensor`
 * @param real - real samples [batch, ...]
 * @param fake - generated samples, same shape
 * @param options - weight lambda, target norm, one-sided, seed of the interpolation
 * @returns the scalar penalty (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for mismatched samples or a critic output that is not one logit per sample; `UNSUPPORTED` for a critic tfjs cannot differentiate twice; `INVALID_ARGUMENT` for bad options
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { gradientPenalty } from '@gankit/losses';
 * const critic = (x: tf.Tensor) => tf.sum(tf.mul(x, 2), 1); // ||grad|| = 2 sqrt(3) everywhere
 * const gp = gradientPenalty(critic, tf.ones([4, 3]), tf.zeros([4, 3]), { seed: 1 }); // 10 (2 sqrt 3 - 1)^2
 * ```
 * @category Regularizers
 */
export function gradientPenalty(
  critic: Critic,
  real: tf.Tensor,
  fake: tf.Tensor,
  options?: GradientPenaltyOptions,
): tf.Scalar {
  const fn = 'gradientPenalty';
  checkCritic(fn, critic);
  checkFloat(fn, 'real', real);
  checkFloat(fn, 'fake', fake);
  checkMinRank(fn, 'real', real, 2, '[batch, ...features]');
  checkSameShape(fn, 'real', 'fake', real, fake);
  const o = checkOptions(fn, options);
  const weight = weightOption(fn, 'weight', o.weight, 10);
  const target = numberOption(fn, 'target', o.target, 1);
  const oneSided = o.oneSided ?? false;
  if (typeof oneSided !== 'boolean') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: oneSided must be a boolean, got ${describe(oneSided)}`);
  }
  return tf.tidy(() => {
    const x = randomInterpolates(real, fake, o.seed);
    const g = criticInputGradient(fn, critic, x, outputCheck(fn, real.shape[0]!));
    const gap = tf.sub(perSampleNorm(g, 'l2'), target);
    const shortfall = oneSided ? tf.relu(gap) : gap;
    return tf.mul(weight, tf.mean(tf.square(shortfall))) as tf.Scalar;
  });
}

function squaredGradientPenalty(fn: string, critic: Critic, x: tf.Tensor, name: string, options?: R1Options) {
  checkCritic(fn, critic);
  checkFloat(fn, name, x);
  checkMinRank(fn, name, x, 2, '[batch, ...features]');
  const gamma = weightOption(fn, 'gamma', checkOptions(fn, options).gamma, 10);
  return tf.tidy(() => {
    const g = criticInputGradient(fn, critic, x, outputCheck(fn, x.shape[0]!));
    const sq = tf.sum(tf.square(tf.reshape(g, [x.shape[0]!, -1])), 1);
    return tf.mul(gamma / 2, tf.mean(sq)) as tf.Scalar;
  });
}

/**
 * The R1 penalty (Mescheder et al. 2018, "Which Training Methods for GANs do actually
 * Converge?", eq. 9): the squared norm of D's gradient on real data,
 *
 *   `R1 = gamma / 2 * E_real[||grad_x D(x)||_2^2]`,   `gamma = 10` by default
 *
 * Add it to D's loss. Second-order gradients: the same supported layers and activations as
 * {@link gradientPenalty} (dense, conv2d, conv2dTranspose, leakyReLU, relu, ..., SpectralNormalization);
 * critics using tanh, sigmoid, swish, mish, elu, softmax, pooling or upsampling are refused
 * with a GanError when the penalty is differentiated.
 *
 * @param critic - images to logits
 * @param real - real samples [batch, ...]
 * @param options - gamma
 * @returns the scalar penalty (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for a critic output that is not one logit per sample; `UNSUPPORTED` for a critic tfjs cannot differentiate twice
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { r1Penalty } from '@gankit/losses';
 * const critic = (x: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(x), 1)); // grad = x
 * const r1 = r1Penalty(critic, tf.ones([2, 3]), { gamma: 2 }); // 2/2 * 3 = 3
 * ```
 * @category Regularizers
 */
export function r1Penalty(critic: Critic, real: tf.Tensor, options?: R1Options): tf.Scalar {
  return squaredGradientPenalty('r1Penalty', critic, real, 'real', options);
}

/**
 * The R2 penalty (Mescheder et al. 2018, eq. 10): R1's twin on generated data,
 *
 *   `R2 = gamma / 2 * E_fake[||grad_x D(x)||_2^2]`
 *
 * Pass generated samples produced outside the tape (or with G frozen). Same second-order
 * support as {@link gradientPenalty}.
 *
 * @param critic - images to logits
 * @param fake - generated samples [batch, ...]
 * @param options - gamma
 * @returns the scalar penalty (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for a critic output that is not one logit per sample; `UNSUPPORTED` for a critic tfjs cannot differentiate twice
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { r2Penalty } from '@gankit/losses';
 * const r2 = r2Penalty((x) => tf.sum(x, 1), tf.zeros([2, 4]), { gamma: 1 }); // 1/2 * 4 = 2
 * ```
 * @category Regularizers
 */
export function r2Penalty(critic: Critic, fake: tf.Tensor, options?: R1Options): tf.Scalar {
  return squaredGradientPenalty('r2Penalty', critic, fake, 'fake', options);
}
