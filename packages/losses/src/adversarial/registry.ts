import { GanError } from '@gankit/core';
import { describe } from '../internal/validate.js';
import { getLoss, listLosses } from '../registry/catalog.js';
import { addLoss, defineLoss, isLossPair } from '../registry/registry.js';
import type { AdversarialLoss } from './types.js';

export type { AdversarialLoss } from './types.js';

// Views of the adversarial entries of the one loss registry (../registry/catalog.ts).

/** Names of the built-in adversarial losses. @category Adversarial losses */
export type AdversarialLossName =
  | 'minimax'
  | 'non-saturating'
  | 'lsgan'
  | 'hinge'
  | 'wasserstein'
  | 'relativistic-average';

/**
 * Looks up an adversarial loss pair by name, with default options (the registry's `adversarial` entries).
 * Which lookup: configs go through `resolveLoss(spec, 'adversarial')`, code imports the pair
 * (`hingeLoss({ margin: 2 })`); this is the name-only form trainers take as their `loss` option.
 * @param name - a built-in name (`minimax`, `non-saturating`, `lsgan`, `hinge`, `wasserstein`,
 *   `relativistic-average`) or one added with {@link registerAdversarialLoss} or `registerLoss`
 * @returns the loss pair (with default options; use `resolveLoss([name, options])` for others)
 * @throws GanError `UNKNOWN_NAME` listing the valid names
 * @example
 * ```ts
 * import { getAdversarialLoss } from '@gankit/losses';
 * const { discriminator, generator } = getAdversarialLoss('non-saturating');
 * ```
 * @category Adversarial losses
 */
export function getAdversarialLoss(name: AdversarialLossName | (string & {})): AdversarialLoss {
  const names = listAdversarialLosses();
  if (!names.includes(name)) {
    throw new GanError(
      'UNKNOWN_NAME',
      `getAdversarialLoss: unknown adversarial loss ${describe(name)}; valid names: ${names.join(', ')}`,
    );
  }
  return getLoss(name as AdversarialLossName);
}

/**
 * @returns the names of every registered adversarial loss (`listLosses('adversarial')`)
 * @example
 * ```ts
 * import { listAdversarialLosses } from '@gankit/losses';
 * console.log(listAdversarialLosses()); // ['minimax', 'non-saturating', 'lsgan', 'hinge', ...]
 * ```
 * @category Adversarial losses
 */
export function listAdversarialLosses(): string[] {
  return listLosses('adversarial');
}

/**
 * Adds a user-defined adversarial loss pair to the registry, as an `adversarial` entry without
 * options, so configs can name it (through `resolveLoss`, `getLoss` and `getAdversarialLoss`).
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
  if (!isLossPair(loss) || typeof loss.name !== 'string' || loss.name.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `registerAdversarialLoss: loss must have a name and discriminator and generator functions, got ${describe(loss)}`,
    );
  }
  addLoss(
    'registerAdversarialLoss',
    defineLoss({
      name: loss.name,
      kind: 'adversarial',
      description: loss.description ?? '',
      bind: () => loss,
    }),
  );
}
