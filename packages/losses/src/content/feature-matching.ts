import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type DistanceKind, meanDistance } from '../internal/math.js';
import {
  checkFloat,
  checkMinRank,
  checkOptions,
  checkSameShape,
  choiceOption,
  describe,
} from '../internal/validate.js';

/**
 * D's intermediate features: one tensor, or one per layer.
 * @category Content losses
 */
export type FeatureSet = tf.Tensor | readonly tf.Tensor[];

/**
 * Options of {@link featureMatchingLoss}.
 * @category Content losses
 */
export interface FeatureMatchingOptions {
  /**
   * `statistics` (default, Salimans et al. 2016): compare batch means of the features;
   * `paired` (pix2pixHD, Wang et al. 2018): compare the features of each (real, generated) pair.
   */
  mode?: 'statistics' | 'paired';
  /** `l2` (squared difference; default) or `l1`. */
  distance?: DistanceKind;
  /** One weight per layer; default 1 each. */
  layerWeights?: readonly number[];
}

/**
 * Feature matching on discriminator features (Salimans et al. 2016, "Improved Techniques for
 * Training GANs", section 3.1): G matches the statistics of D's intermediate features on real data,
 *
 *   statistics: `L = sum_l w_l * mean_k d(E_x f_l(x)_k, E_z f_l(G(z))_k)`
 *   paired:     `L = sum_l w_l * mean_{b,k} d(f_l(x_b)_k, f_l(G(z_b))_k)`   (pix2pixHD's `L_FM`)
 *
 * with d the squared (l2) or absolute (l1) difference. Compute the features with D frozen so only
 * G learns from it.
 *
 * @param realFeatures - D's features on real images: a tensor [batch, ...] or one per layer
 * @param fakeFeatures - the same layers on generated images
 * @param options - mode, distance, per-layer weights
 * @returns the scalar loss (owned by the caller)
 * @throws GanError `SHAPE_MISMATCH` when layers do not pair up; `INVALID_ARGUMENT` for bad options
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { featureMatchingLoss } from '@gankit/losses';
 * const loss = featureMatchingLoss(tf.tensor2d([[1], [3]]), tf.tensor2d([[0], [0]])); // (2 - 0)^2 = 4
 * ```
 * @category Content losses
 */
export function featureMatchingLoss(
  realFeatures: FeatureSet,
  fakeFeatures: FeatureSet,
  options?: FeatureMatchingOptions,
): tf.Scalar {
  const fn = 'featureMatchingLoss';
  const o = checkOptions(fn, options);
  const mode = choiceOption(fn, 'mode', o.mode, ['statistics', 'paired'] as const, 'statistics');
  const distance = choiceOption(fn, 'distance', o.distance, ['l1', 'l2'] as const, 'l2');
  const real = Array.isArray(realFeatures)
    ? (realFeatures as readonly tf.Tensor[])
    : [realFeatures as tf.Tensor];
  const fake = Array.isArray(fakeFeatures)
    ? (fakeFeatures as readonly tf.Tensor[])
    : [fakeFeatures as tf.Tensor];
  if (real.length !== fake.length || real.length === 0) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: realFeatures and fakeFeatures must hold the same number of layers (at least one), got ${real.length} and ${fake.length}`,
    );
  }
  const weights = o.layerWeights ?? real.map(() => 1);
  if (!Array.isArray(weights) || weights.length !== real.length) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: layerWeights must hold one weight per layer (${real.length}), got ${describe(o.layerWeights)}`,
    );
  }
  real.forEach((r, i) => {
    const f = fake[i]!;
    const at = real.length > 1 ? `[${i}]` : '';
    checkFloat(fn, `realFeatures${at}`, r);
    checkFloat(fn, `fakeFeatures${at}`, f);
    checkMinRank(fn, `realFeatures${at}`, r, 1, '[batch, ...]');
    if (mode === 'paired') checkSameShape(fn, `realFeatures${at}`, `fakeFeatures${at}`, r, f);
    else
      checkSameShape(
        fn,
        `realFeatures${at} per sample`,
        `fakeFeatures${at} per sample`,
        { shape: r.shape.slice(1) },
        { shape: f.shape.slice(1) },
      );
    const w = weights[i];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: layerWeights[${i}] must be a finite number >= 0, got ${describe(w)}`,
      );
    }
  });
  return tf.tidy(() => {
    const terms = real.map((r, i) => {
      const f = fake[i]!;
      const d =
        mode === 'statistics'
          ? meanDistance(tf.mean(r, 0), tf.mean(f, 0), distance)
          : meanDistance(r, f, distance);
      return tf.mul(weights[i]!, d);
    });
    return tf.addN(terms) as tf.Scalar;
  });
}
