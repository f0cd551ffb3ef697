import * as tf from '@tensorflow/tfjs-core';
import { meanDistance } from '../internal/math.js';
import { checkFloat, checkOptions, checkSameShape, positiveOption } from '../internal/validate.js';

/**
 * Options of {@link charbonnierLoss}.
 * @category Content losses
 */
export interface CharbonnierOptions {
  /** epsilon in sqrt((p - t)^2 + epsilon^2). Default 1e-3 (Lai et al.). */
  epsilon?: number;
}

function checkPair(fn: string, prediction: tf.Tensor, target: tf.Tensor): void {
  checkFloat(fn, 'prediction', prediction);
  checkFloat(fn, 'target', target);
  checkSameShape(fn, 'prediction', 'target', prediction, target);
}

/**
 * Pixel-wise L1 loss, the mean absolute error (pix2pix, Isola et al. 2017, eq. 3):
 *
 *   L1 = mean |prediction - target|
 *
 * @param prediction - the generated tensor (any shape)
 * @param target - the ground truth, same shape
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when the shapes differ, `INVALID_ARGUMENT` for non-float tensors
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { l1Loss } from '@gankit/losses';
 * const loss = l1Loss(tf.tensor1d([1, 2]), tf.tensor1d([0, 4])); // (1 + 2) / 2 = 1.5
 * ```
 * @category Content losses
 */
export function l1Loss(prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  checkPair('l1Loss', prediction, target);
  return tf.tidy(() => meanDistance(prediction, target, 'l1'));
}

/**
 * Pixel-wise L2 loss, the mean squared error (SRGAN's MSE content loss, Ledig et al. 2017, eq. 4):
 *
 *   L2 = mean (prediction - target)^2
 *
 * @param prediction - the generated tensor (any shape)
 * @param target - the ground truth, same shape
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when the shapes differ, `INVALID_ARGUMENT` for non-float tensors
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { l2Loss } from '@gankit/losses';
 * const loss = l2Loss(tf.tensor1d([1, 2]), tf.tensor1d([0, 4])); // (1 + 4) / 2 = 2.5
 * ```
 * @category Content losses
 */
export function l2Loss(prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  checkPair('l2Loss', prediction, target);
  return tf.tidy(() => meanDistance(prediction, target, 'l2'));
}

/**
 * Charbonnier loss, a differentiable L1 (Charbonnier et al. 1994; LapSRN, Lai et al. 2017, eq. 2):
 *
 *   L = mean sqrt((prediction - target)^2 + epsilon^2),   epsilon = 1e-3 by default
 *
 * @param prediction - the generated tensor (any shape)
 * @param target - the ground truth, same shape
 * @param options - epsilon
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when the shapes differ, `INVALID_ARGUMENT` for epsilon <= 0
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { charbonnierLoss } from '@gankit/losses';
 * const loss = charbonnierLoss(tf.tensor1d([3]), tf.tensor1d([0]), { epsilon: 4 }); // sqrt(9 + 16) = 5
 * ```
 * @category Content losses
 */
export function charbonnierLoss(
  prediction: tf.Tensor,
  target: tf.Tensor,
  options?: CharbonnierOptions,
): tf.Scalar {
  const fn = 'charbonnierLoss';
  checkPair(fn, prediction, target);
  const eps = positiveOption(fn, 'epsilon', checkOptions(fn, options).epsilon, 1e-3);
  return tf.tidy(() => tf.mean(tf.sqrt(tf.add(tf.square(tf.sub(prediction, target)), eps * eps))));
}
