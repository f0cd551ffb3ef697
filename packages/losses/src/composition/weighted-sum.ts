import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe } from '../internal/validate.js';

/**
 * One term of a {@link weightedSum}: its value and weight, or `[weight, value]`.
 * @category Composition
 */
export type WeightedTerm = { weight: number; value: tf.Scalar } | readonly [weight: number, value: tf.Scalar];

/**
 * What {@link weightedSum} returns.
 * @category Composition
 */
export interface WeightedSumResult {
  /** `sum_i w_i * value_i`, differentiable (owned by the caller). */
  total: tf.Scalar;
  /**
   * Each term's unweighted value, by name, for logging. These are kept (`tf.keep`) so they
   * survive the `tf.tidy` of `optimizer.minimize`; the caller disposes them.
   */
  values: Record<string, tf.Scalar>;
}

/**
 * A weighted sum of named loss terms that also reports each term, for logging:
 *
 *   `total = sum_i w_i * L_i`
 *
 * e.g. SRGAN's perceptual loss, content + 1e-3 adversarial + 2e-8 TV. Terms of weight 0 are
 * left out of the total (but still reported).
 *
 * @param terms - name to `{ weight, value }` or `[weight, value]`; weights finite and >= 0
 * @returns the total and the kept per-term values (all owned by the caller)
 * @throws GanError `INVALID_ARGUMENT` for no terms, a bad weight or a value that is not a scalar tensor
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { weightedSum } from '@gankit/losses';
 * const { total, values } = weightedSum({ content: [1, tf.scalar(0.5)], adversarial: { weight: 1e-3, value: tf.scalar(2) } });
 * // total = 0.502; values.content = 0.5, values.adversarial = 2
 * ```
 * @category Composition
 */
export function weightedSum(terms: Readonly<Record<string, WeightedTerm>>): WeightedSumResult {
  const fn = 'weightedSum';
  if (terms == null || typeof terms !== 'object' || Array.isArray(terms)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: terms must map names to { weight, value }, got ${describe(terms)}`,
    );
  }
  const entries = Object.entries(terms).map(([name, term]) => {
    const [weight, value] = Array.isArray(term)
      ? (term as readonly [number, tf.Scalar])
      : [(term as { weight: number }).weight, (term as { value: tf.Scalar }).value];
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: ${name}.weight must be a finite number >= 0, got ${describe(weight)}`,
      );
    }
    if (value == null || typeof value !== 'object' || !('rank' in value) || value.rank !== 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: ${name}.value must be a scalar tensor, got ${describe(value)}`,
      );
    }
    return { name, weight, value };
  });
  if (entries.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: terms must hold at least one term`);
  }
  const total = tf.tidy(() => {
    const weighted = entries.filter((e) => e.weight !== 0).map((e) => tf.mul(e.weight, e.value));
    return (weighted.length === 0 ? tf.scalar(0) : tf.addN(weighted)) as tf.Scalar;
  });
  const values: Record<string, tf.Scalar> = {};
  for (const e of entries) values[e.name] = tf.keep(tf.clone(e.value));
  return { total, values };
}
