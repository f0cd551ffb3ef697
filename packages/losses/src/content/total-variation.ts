import { formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkFloat, checkOptions, checkRank, choiceOption } from '../internal/validate.js';

/**
 * Options of {@link totalVariationLoss}.
 * @category Content losses
 */
export interface TotalVariationOptions {
  /**
   * `isotropic` (default): the gradient magnitude `sqrt(sum_c dh^2 + dw^2)`, SRGAN's `l_TV`;
   * `anisotropic`: |dh| + |dw| summed over channels; `squared`: dh^2 + dw^2 (beta = 2 of
   * Mahendran & Vedaldi 2015).
   */
  variant?: 'isotropic' | 'anisotropic' | 'squared';
}

/**
 * Total variation regularization, SRGAN's `l_TV` (Ledig et al. 2017, first version, eq. 7;
 * Rudin et al. 1992), with forward differences dh = x[i+1, j] - x[i, j], dw = x[i, j+1] - x[i, j]:
 *
 *   isotropic:   `L = mean_b 1/(H W) sum_{i<H-1, j<W-1} sqrt(sum_c dh^2 + dw^2 + 1e-12)`
 *   anisotropic: `L = mean_b 1/(H W) (sum |dh| + sum |dw|)`       (sums over positions and channels)
 *   squared:     `L = mean_b 1/(H W) (sum dh^2 + sum dw^2)`
 *
 * The 1/(HW) normalisation is SRGAN's 1/(r^2 W H), so the value is a per-pixel mean.
 *
 * @param images - [batch, height, width, channels], height and width >= 2
 * @param options - the variant
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for tensors that are not rank-4 images at least 2x2
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { totalVariationLoss } from '@gankit/losses';
 * const img = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]); // columns 0 | 1
 * const tv = totalVariationLoss(img, { variant: 'anisotropic' }); // (0 + 2) / 4 = 0.5
 * ```
 * @category Content losses
 */
export function totalVariationLoss(images: tf.Tensor, options?: TotalVariationOptions): tf.Scalar {
  const fn = 'totalVariationLoss';
  checkFloat(fn, 'images', images);
  checkRank(fn, 'images', images, 4, '[batch, height, width, channels]');
  const [b, h, w, c] = images.shape as [number, number, number, number];
  if (h < 2 || w < 2) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: images must be at least 2x2 ([batch, height >= 2, width >= 2, channels]), got ${formatShape(images.shape)}`,
    );
  }
  const variant = choiceOption(
    fn,
    'variant',
    checkOptions(fn, options).variant,
    ['isotropic', 'anisotropic', 'squared'] as const,
    'isotropic',
  );
  return tf.tidy(() => {
    const dh = tf.sub(
      tf.slice(images, [0, 1, 0, 0], [b, h - 1, w, c]),
      tf.slice(images, [0, 0, 0, 0], [b, h - 1, w, c]),
    );
    const dw = tf.sub(
      tf.slice(images, [0, 0, 1, 0], [b, h, w - 1, c]),
      tf.slice(images, [0, 0, 0, 0], [b, h, w - 1, c]),
    );
    let total: tf.Tensor;
    if (variant === 'isotropic') {
      const dh2 = tf.slice(dh, [0, 0, 0, 0], [b, h - 1, w - 1, c]);
      const dw2 = tf.slice(dw, [0, 0, 0, 0], [b, h - 1, w - 1, c]);
      const mag = tf.sqrt(tf.add(tf.sum(tf.add(tf.square(dh2), tf.square(dw2)), 3), 1e-12));
      total = tf.sum(mag);
    } else if (variant === 'anisotropic') {
      total = tf.add(tf.sum(tf.abs(dh)), tf.sum(tf.abs(dw)));
    } else {
      total = tf.add(tf.sum(tf.square(dh)), tf.sum(tf.square(dw)));
    }
    return tf.div(total, b * h * w) as tf.Scalar;
  });
}
