import { GanError } from '@gankit/core';
import { describe } from '../internal/validate.js';
import { DEFAULT_PAIRS } from './pairs.js';
import type { AdversarialLoss } from './types.js';

export type { AdversarialLoss } from './types.js';

/** Names of the built-in adversarial losses. @category Adversarial losses */
export type AdversarialLossName =
  | 'minimax'
  | 'non-saturating'
  | 'lsgan'
  | 'hinge'
  | 'wasserstein'
  | 'relativistic-average';

const registry = new Map<string, AdversarialLoss>(DEFAULT_PAIRS.map((p) => [p.name, p]));

/**
 * Looks up an adversarial loss pair by name.
 * @param name - a built-in name (`minimax`, `non-saturating`, `lsgan`, `hinge`, `wasserstein`,
 *   `relativistic-average`) or one added with {@link registerAdversarialLoss}
 * @returns the loss pair (with default options; use `getLoss(name, options)` for others)
 * @throws GanError `UNKNOWN_NAME` listing the valid names
 * @example
 * ```ts
 * import { getAdversarialLoss } from '@gankit/losses';
 * const { discriminator, generator } = getAdversarialLoss('non-saturating');
 * ```
 * @category Adversarial losses
 */
export function getAdversarialLoss(name: AdversarialLossName | (string & {})): AdversarialLoss {
  const loss = registry.get(name);
  if (!loss) {
    throw new GanError(
      'UNKNOWN_NAME',
      `getAdversarialLoss: unknown adversarial loss ${describe(name)}; valid names: ${[...registry.keys()].join(', ')}`,
    );
  }
  return loss;
}

/**
 * @returns the names of every registered adversarial loss
 * @example
 * ```ts
 * import { listAdversarialLosses } from '@gankit/losses';
 * console.log(listAdversarialLosses()); // ['minimax', 'non-saturating', 'lsgan', 'hinge', ...]
 * ```
 * @category Adversarial losses
 */
export function listAdversarialLosses(): string[] {
  return [...registry.keys()];
}

/**
 * Adds a user-defined adversarial loss pair to the registry, so configs can name it (also
 * through `getLoss` and `resolveLoss`).
 * @param loss - the pair, with a unique name
 * @throws GanError `INVALID_ARGUMENT` when the name is taken or the pair is malformed
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerAdversarialLoss } from '@gankit/losses';
 * registerAdversarialLoss({
 *   name: 'my-loss', description: 'example',
 *   discriminator: (r, f) => tf.tidy(() => tf.sub(tf.mean(f), tf.mean(r))) as tf.Scalar,
 *   generator: (f) => tf.tidy(() => tf.neg(tf.mean(f))) as tf.Scalar,
 * });
 * ```
 * @category Adversarial losses
 */
export function registerAdversarialLoss(loss: AdversarialLoss): void {
  if (
    loss == null ||
    typeof loss.name !== 'string' ||
    loss.name.length === 0 ||
    typeof loss.discriminator !== 'function' ||
    typeof loss.generator !== 'function'
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `registerAdversarialLoss: loss must have a name and discriminator and generator functions, got ${describe(loss)}`,
    );
  }
  if (registry.has(loss.name) || reservedNames.has(loss.name)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `registerAdversarialLoss: the name '${loss.name}' is already registered`,
    );
  }
  registry.set(loss.name, loss);
}

/** Names taken by non-adversarial losses (kept in sync by the general registry). */
export const reservedNames = new Set<string>();
