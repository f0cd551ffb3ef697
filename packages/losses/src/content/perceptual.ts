import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type DistanceKind, meanDistance } from '../internal/math.js';
import { checkFloat, checkOptions, checkRank, checkSameShape, choiceOption } from '../internal/validate.js';
import {
  checkExtractor,
  checkLayerWeights,
  type FeatureExtractor,
  type LayerWeights,
  weightedTaps,
} from './feature-extractor.js';

/**
 * Options of {@link perceptualLoss}.
 * @category Content losses
 */
export interface PerceptualLossOptions {
  /** The feature network, e.g. a VGG encoder from `@gankit/encoders` (freeze it). */
  extractor: FeatureExtractor;
  /** Tap name to weight; default: every tap the extractor returns, weight 1. */
  layers?: LayerWeights;
  /** Distance between feature maps: `l2` (mean squared error, SRGAN's VGG loss; default) or `l1`. */
  distance?: DistanceKind;
}

/**
 * Options of {@link styleLoss}.
 * @category Content losses
 */
export interface StyleLossOptions {
  /** The feature network. */
  extractor: FeatureExtractor;
  /** Tap name to weight; default: every tap the extractor returns, weight 1. */
  layers?: LayerWeights;
}

function checkImages(fn: string, prediction: tf.Tensor, target: tf.Tensor): void {
  checkFloat(fn, 'prediction', prediction);
  checkFloat(fn, 'target', target);
  checkRank(fn, 'prediction', prediction, 4, '[batch, height, width, channels]');
  checkSameShape(fn, 'prediction', 'target', prediction, target);
}

function requireOptions<T extends object>(fn: string, options: T | undefined): T {
  if (options === undefined) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: options with an extractor are required, e.g. { extractor: vgg }`,
    );
  }
  return checkOptions(fn, options) as T;
}

/**
 * Perceptual (feature reconstruction) loss over any feature extractor (Johnson et al. 2016,
 * "Perceptual Losses for Real-Time Style Transfer", eq. 2; SRGAN's VGG content loss, Ledig et
 * al. 2017, eq. 5):
 *
 *   `L = sum_l w_l * mean_{b,i,j,c} d(phi_l(prediction), phi_l(target))`,   d = squared (l2) or absolute (l1) difference
 *
 * Each tap's distance is a mean over its elements, so weights compare across taps of different
 * sizes. Freeze the extractor (`encoder.setTrainable(false)`) unless it should learn.
 *
 * @param prediction - generated images [batch, height, width, channels]
 * @param target - ground-truth images, same shape
 * @param options - extractor, per-tap weights, distance
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for images of different shapes; `UNKNOWN_NAME` for a tap the extractor lacks (listing its taps); `INVALID_ARGUMENT` without an extractor
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { perceptualLoss } from '@gankit/losses';
 * const extractor = { encode: (x: tf.Tensor4D) => ({ mean: tf.mean(x, 3, true), max: tf.max(x, 3, true) }) };
 * const loss = perceptualLoss(tf.ones([1, 2, 2, 3]), tf.zeros([1, 2, 2, 3]), { extractor, layers: { mean: 1 } }); // 1
 * ```
 * @category Content losses
 */
export function perceptualLoss(
  prediction: tf.Tensor,
  target: tf.Tensor,
  options: PerceptualLossOptions,
): tf.Scalar {
  const fn = 'perceptualLoss';
  checkImages(fn, prediction, target);
  const o = requireOptions(fn, options);
  checkExtractor(fn, o.extractor);
  const layers = checkLayerWeights(fn, o.layers);
  const distance = choiceOption(fn, 'distance', o.distance, ['l1', 'l2'] as const, 'l2');
  return tf.tidy(() => {
    const fp = o.extractor.encode(prediction as tf.Tensor4D);
    const ft = o.extractor.encode(target as tf.Tensor4D);
    const terms = weightedTaps(fn, fp, ft, layers).map(({ name, a, b, weight }) => {
      checkSameShape(fn, `prediction features '${name}'`, `target features '${name}'`, a, b);
      return tf.mul(weight, meanDistance(a, b, distance));
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

/**
 * Gram matrices of feature maps (Gatys et al. 2016), normalised as in Johnson et al. 2016:
 *
 *   `G[b, c, c'] = sum_{i,j} F[b, i, j, c] F[b, i, j, c'] / (H W C)`
 *
 * @param features - feature maps [batch, height, width, channels]
 * @returns [batch, channels, channels] (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for features that are not rank 4
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { gramMatrix } from '@gankit/losses';
 * const g = gramMatrix(tf.ones([1, 2, 2, 2])); // every entry 4 / 8 = 0.5
 * ```
 * @category Content losses
 */
export function gramMatrix(features: tf.Tensor): tf.Tensor3D {
  const fn = 'gramMatrix';
  checkFloat(fn, 'features', features);
  checkRank(fn, 'features', features, 4, '[batch, height, width, channels]');
  const [b, h, w, c] = features.shape as [number, number, number, number];
  return tf.tidy(() => {
    const f = tf.reshape(features, [b, h * w, c]) as tf.Tensor3D;
    return tf.div(tf.matMul(f, f, true, false), h * w * c) as tf.Tensor3D;
  });
}

/**
 * Style loss (Gatys et al. 2016, "Image Style Transfer Using CNNs"; Johnson et al. 2016, eq. 3):
 * the squared Frobenius distance between Gram matrices of the extractor's taps,
 *
 *   `L = sum_l w_l * mean_b ||G(phi_l(prediction)) - G(phi_l(target))||_F^2`
 *
 * with {@link gramMatrix}'s 1/(HWC) normalisation. Taps must be [batch, h, w, c].
 *
 * @param prediction - generated images [batch, height, width, channels]
 * @param target - style images, same shape
 * @param options - extractor and per-tap weights
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` for images of different shapes or taps that are not rank 4; `UNKNOWN_NAME` for a tap the extractor lacks
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { styleLoss } from '@gankit/losses';
 * const extractor = { encode: (x: tf.Tensor4D) => x };
 * const loss = styleLoss(tf.ones([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1]), { extractor }); // (4/4)^2 = 1
 * ```
 * @category Content losses
 */
export function styleLoss(prediction: tf.Tensor, target: tf.Tensor, options: StyleLossOptions): tf.Scalar {
  const fn = 'styleLoss';
  checkImages(fn, prediction, target);
  const o = requireOptions(fn, options);
  checkExtractor(fn, o.extractor);
  const layers = checkLayerWeights(fn, o.layers);
  return tf.tidy(() => {
    const fp = o.extractor.encode(prediction as tf.Tensor4D);
    const ft = o.extractor.encode(target as tf.Tensor4D);
    const terms = weightedTaps(fn, fp, ft, layers).map(({ name, a, b, weight }) => {
      checkRank(fn, `features '${name}'`, a, 4, '[batch, height, width, channels]');
      checkSameShape(fn, `prediction features '${name}'`, `target features '${name}'`, a, b);
      const d = tf.sub(gramMatrix(a), gramMatrix(b));
      return tf.mul(weight, tf.mean(tf.sum(tf.square(d), [1, 2])));
    });
    return tf.addN(terms) as tf.Scalar;
  });
}
