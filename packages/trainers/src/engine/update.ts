import { checkNumber } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FusedAdamOptimizer } from './adam.js';

/** Adam settings of a GAN strategy; defaults lr 2e-4, beta1 0.5, beta2 0.999 (Radford et al.). @category Engine */
export interface AdamSettings {
  /** Learning rate. Default 2e-4. */
  learningRate?: number;
  /** First-moment decay. Default 0.5. */
  beta1?: number;
  /** Second-moment decay. Default 0.999. */
  beta2?: number;
}

/**
 * One Adam optimizer each for G and D, from validated settings.
 * @param fn - the calling strategy's name, for messages
 * @param settings - learning rate and betas
 * @returns `{ generator, discriminator }` Adam optimizers
 * @throws GanError `INVALID_ARGUMENT` for a non-positive learning rate or betas outside [0, 1]
 * @example
 * ```ts
 * import { ganAdamPair } from '@gankit/trainers';
 * const { generator, discriminator } = ganAdamPair('myStrategy', { learningRate: 1e-4 });
 * ```
 * @category Engine
 */
export function ganAdamPair(
  fn: string,
  settings: AdamSettings = {},
): { generator: tf.Optimizer; discriminator: tf.Optimizer } {
  return { generator: adamOptimizer(fn, settings), discriminator: adamOptimizer(fn, settings) };
}

/**
 * One Adam optimizer from validated settings (defaults lr 2e-4, beta1 0.5, beta2 0.999).
 * @param fn - the calling strategy's name, for messages
 * @param settings - learning rate and betas
 * @param name - where the settings sit in the caller's options, for messages. Default `optimizer`
 * @returns the optimizer
 * @throws GanError `INVALID_ARGUMENT` for a non-positive learning rate or betas outside [0, 1]
 * @example
 * ```ts
 * import { adamOptimizer } from '@gankit/trainers';
 * const encoderOptimizer = adamOptimizer('myStrategy', { learningRate: 1e-4, beta1: 0.9 });
 * ```
 * @category Engine
 */
export function adamOptimizer(fn: string, settings: AdamSettings = {}, name = 'optimizer'): tf.Optimizer {
  const lr = checkNumber(fn, `${name}.learningRate`, settings.learningRate ?? 2e-4, {
    min: 0,
    exclusiveMin: true,
  });
  const beta1 = checkNumber(fn, `${name}.beta1`, settings.beta1 ?? 0.5, { min: 0, max: 1 });
  const beta2 = checkNumber(fn, `${name}.beta2`, settings.beta2 ?? 0.999, { min: 0, max: 1 });
  // tfjs' Adam, updating each variable in one kernel call where the backend has gankit's kernel
  return new FusedAdamOptimizer(lr, beta1, beta2);
}

/**
 * Options of {@link optimizerStep}.
 * @category Engine
 */
export interface OptimizerStepOptions {
  /** Rescale the gradients so their global L2 norm is at most this (Pascanu et al. 2013). */
  clipNorm?: number;
}

/**
 * The trainable variables of a network, for an optimizer's var list.
 * @param model - the network
 * @returns its trainable tf.Variables
 * @example
 * ```ts
 * import { dcganGenerator } from '@gankit/models';
 * import { trainableVariables } from '@gankit/trainers';
 * const vars = trainableVariables(dcganGenerator({ imageSize: 28, channels: 1 }));
 * ```
 * @category Engine
 */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * One optimizer update of `vars` on `loss()`, with optional global-norm gradient clipping.
 * Only `vars` receive gradients.
 * @param optimizer - the optimizer to step
 * @param loss - computes the scalar loss (recorded on the gradient tape)
 * @param vars - the variables to update
 * @param options - clipping
 * @returns the loss value (the caller owns it)
 * @throws GanError `INVALID_ARGUMENT` for a non-positive clip norm
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { optimizerStep } from '@gankit/trainers';
 * const w = tf.variable(tf.scalar(3));
 * const loss = optimizerStep(tf.train.sgd(0.1), () => tf.square(w) as tf.Scalar, [w], { clipNorm: 1 });
 * ```
 * @category Engine
 */
export function optimizerStep(
  optimizer: tf.Optimizer,
  loss: () => tf.Scalar,
  vars: tf.Variable[],
  options: OptimizerStepOptions = {},
): tf.Scalar {
  if (options.clipNorm === undefined) return optimizer.minimize(loss, true, vars)!;
  const clipNorm = checkNumber('optimizerStep', 'clipNorm', options.clipNorm, { min: 0, exclusiveMin: true });
  const { value, grads } = optimizer.computeGradients(loss, vars);
  const clipped = tf.tidy(() => {
    const list = Object.values(grads);
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(clipNorm), tf.add(norm, tf.scalar(1e-12))));
    const out: Record<string, tf.Tensor> = {};
    for (const [name, g] of Object.entries(grads)) out[name] = tf.mul(g, scale);
    return out;
  });
  tf.dispose(Object.values(grads));
  optimizer.applyGradients(clipped);
  tf.dispose(Object.values(clipped));
  return value;
}

/**
 * Sets an optimizer's learning rate (tfjs optimizers read it at every step).
 * @param optimizer - a tfjs optimizer with a learning rate
 * @param learningRate - the new rate
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setLearningRate } from '@gankit/trainers';
 * setLearningRate(tf.train.adam(1e-3), 5e-4);
 * ```
 * @category Engine
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/**
 * Reads an optimizer's learning rate.
 * @param optimizer - a tfjs optimizer with a learning rate
 * @returns the current rate
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { getLearningRate } from '@gankit/trainers';
 * getLearningRate(tf.train.adam(1e-3)); // 0.001
 * ```
 * @category Engine
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}
