import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, describe, positiveOption, weightOption } from '../internal/validate.js';

/**
 * Options of {@link combineAdversarialLoss}: exactly one of `weightFactor` and `gradientRatio`.
 * @category Composition
 */
export interface CombineAdversarialOptions {
  /** A fixed weight: `total = main + weightFactor * adversarial`. */
  weightFactor?: number;
  /**
   * Adaptive weight: the adversarial term's gradient norm is scaled to `gradientRatio` times the
   * main term's (TF-GAN's `combine_adversarial_loss`). Default 1 when `weightFactor` is absent.
   */
  gradientRatio?: number;
  /** Added to the adversarial gradient norm before dividing. Default 1e-6. */
  epsilon?: number;
}

/**
 * What {@link combineAdversarialLoss} returns; every tensor is owned by the caller.
 * @category Composition
 */
export interface CombinedAdversarialLoss {
  /** `main + weight * adversarial`. */
  total: tf.Scalar;
  /** Gradients of the total with respect to each variable, by variable name, for `optimizer.applyGradients`. */
  grads: tf.NamedTensorMap;
  /** The weight used (a constant: no gradient flows through it). */
  weight: tf.Scalar;
  /** The unweighted terms, for logging. */
  values: { main: tf.Scalar; adversarial: tf.Scalar };
  /** The global gradient norms of the two terms. */
  gradientNorms: { main: tf.Scalar; adversarial: tf.Scalar };
}

function globalNorm(grads: tf.NamedTensorMap, names: readonly string[]): tf.Scalar {
  return tf.tidy(() => {
    const squares = names.filter((n) => grads[n] !== undefined).map((n) => tf.sum(tf.square(grads[n]!)));
    return tf.sqrt(squares.length === 0 ? tf.scalar(0) : tf.addN(squares)) as tf.Scalar;
  });
}

/**
 * Combines a main (content) loss with an adversarial loss, balancing them by their gradient
 * norms as TF-GAN's `combine_adversarial_loss` does (after Ledig et al. 2017 and the
 * adaptive weighting of Esser et al. 2021):
 *
 *   `w = gradientRatio * ||grad_v main|| / (||grad_v adversarial|| + epsilon)`    (w held constant)
 *   `total = main + w * adversarial`,   `grad_v total = grad_v main + w * grad_v adversarial`
 *
 * or `total = main + weightFactor * adversarial` with a fixed weight. Norms are global over the
 * variables v. tfjs is eager, so the two gradients are computed here (two backward passes) and
 * returned combined: apply them with `optimizer.applyGradients(result.grads)`. Call it outside
 * `optimizer.minimize`/`tf.grad`.
 *
 * @param main - computes the main loss (e.g. L1 or perceptual) from the current variables
 * @param adversarial - computes the generator's adversarial loss (run D frozen, or leave D's variables out of `variables`)
 * @param variables - the variables to differentiate (G's trainable weights)
 * @param options - `weightFactor`, or `gradientRatio` (default 1) and `epsilon`
 * @returns total, combined gradients, the weight, term values and gradient norms (all owned by the caller)
 * @throws GanError `INVALID_ARGUMENT` for both or neither-valid weight options, no variables, or a call inside a gradient tape
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { combineAdversarialLoss } from '@gankit/losses';
 * const v = tf.variable(tf.scalar(1), true, 'v');
 * const r = combineAdversarialLoss(() => tf.square(v) as tf.Scalar, () => tf.mul(v, 10) as tf.Scalar, [v]);
 * // grads: main 2, adversarial 10, so w = 0.2 and grads.v = 2 + 0.2 * 10 = 4
 * ```
 * @category Composition
 */
export function combineAdversarialLoss(
  main: () => tf.Scalar,
  adversarial: () => tf.Scalar,
  variables: readonly tf.Variable[],
  options?: CombineAdversarialOptions,
): CombinedAdversarialLoss {
  const fn = 'combineAdversarialLoss';
  if (typeof main !== 'function' || typeof adversarial !== 'function') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: main and adversarial must be functions returning scalars, got ${describe(main)} and ${describe(adversarial)}`,
    );
  }
  if (
    !Array.isArray(variables) ||
    variables.length === 0 ||
    !variables.every((v) => v instanceof tf.Variable)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: variables must be a non-empty array of tf.Variable, got ${describe(variables)}`,
    );
  }
  const o = checkOptions(fn, options);
  if (o.weightFactor !== undefined && o.gradientRatio !== undefined) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: give weightFactor or gradientRatio, not both`);
  }
  const fixed =
    o.weightFactor === undefined ? undefined : weightOption(fn, 'weightFactor', o.weightFactor, 0);
  const ratio = weightOption(fn, 'gradientRatio', o.gradientRatio, 1);
  const eps = positiveOption(fn, 'epsilon', o.epsilon, 1e-6);
  const depth = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state?.gradientDepth ?? 0;
  if (depth > 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: called inside a gradient tape; it computes its own gradients, so call it outside optimizer.minimize/tf.grad and apply result.grads with optimizer.applyGradients`,
    );
  }
  const names = variables.map((v) => v.name);
  const m = tf.variableGrads(main, variables as tf.Variable[]);
  const a = tf.variableGrads(adversarial, variables as tf.Variable[]);
  return tf.tidy(() => {
    const mainNorm = globalNorm(m.grads, names);
    const advNorm = globalNorm(a.grads, names);
    const weight = (
      fixed !== undefined ? tf.scalar(fixed) : tf.div(tf.mul(ratio, mainNorm), tf.add(advNorm, eps))
    ) as tf.Scalar;
    const grads: tf.NamedTensorMap = {};
    for (const n of names) {
      const gm = m.grads[n];
      const ga = a.grads[n];
      if (gm === undefined && ga === undefined) continue;
      grads[n] =
        gm === undefined
          ? tf.mul(weight, ga!)
          : ga === undefined
            ? tf.clone(gm)
            : tf.add(gm, tf.mul(weight, ga));
    }
    const total = tf.add(m.value, tf.mul(weight, a.value)) as tf.Scalar;
    const result: CombinedAdversarialLoss = {
      total,
      grads,
      weight,
      values: { main: tf.clone(m.value), adversarial: tf.clone(a.value) },
      gradientNorms: { main: mainNorm, adversarial: advNorm },
    };
    tf.dispose([m.value, a.value, ...Object.values(m.grads), ...Object.values(a.grads)]);
    return result as unknown as tf.TensorContainer;
  }) as unknown as CombinedAdversarialLoss;
}
