import * as tf from '@tensorflow/tfjs-core';

/** Vector norms gankit's losses accept. */
export type NormKind = 'l1' | 'l2';

/** Elementwise distances gankit's losses accept. */
export type DistanceKind = 'l1' | 'l2';

/**
 * Per-sample norm of `x` over every axis but the first: sum |x| (L1) or sqrt(sum x^2) (L2).
 * The L2 norm adds 1e-12 under the root so its gradient stays finite at 0.
 * @returns shape [batch]
 */
export function perSampleNorm(x: tf.Tensor, norm: NormKind): tf.Tensor1D {
  const flat = tf.reshape(x, [x.shape[0]!, -1]);
  return (
    norm === 'l1' ? tf.sum(tf.abs(flat), 1) : tf.sqrt(tf.add(tf.sum(tf.square(flat), 1), 1e-12))
  ) as tf.Tensor1D;
}

/** Mean elementwise distance: mean |a - b| (L1) or mean (a - b)^2 (L2, the mean squared error). */
export function meanDistance(a: tf.Tensor, b: tf.Tensor, distance: DistanceKind): tf.Scalar {
  const d = tf.sub(a, b);
  return tf.mean(distance === 'l1' ? tf.abs(d) : tf.square(d));
}
