import { GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss, nonSaturatingGeneratorLoss } from './minimax.js';

/**
 * A discriminator loss and a generator loss that belong together, both on logits.
 * @category Adversarial losses
 */
export interface AdversarialLoss {
  /** The registry name. */
  readonly name: string;
  /** One line on what it is and where it comes from. */
  readonly description: string;
  /** L_D(real logits, fake logits). */
  discriminator(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  /** L_G(fake logits). */
  generator(fakeLogits: tf.Tensor): tf.Scalar;
}

/** Names of the built-in adversarial losses. @category Adversarial losses */
export type AdversarialLossName = 'minimax' | 'non-saturating';

const builtIn = {
  minimax: {
    name: 'minimax',
    description: 'Goodfellow 2014, the true minimax game: G minimises log(1 - D(G(z))) (saturates)',
    discriminator: minimaxDiscriminatorLoss,
    generator: minimaxGeneratorLoss,
  },
  'non-saturating': {
    name: 'non-saturating',
    description: 'Goodfellow 2014, the practical variant: G maximises log D(G(z))',
    discriminator: minimaxDiscriminatorLoss,
    generator: nonSaturatingGeneratorLoss,
  },
} satisfies Record<AdversarialLossName, AdversarialLoss>;

const registry = new Map<string, AdversarialLoss>(Object.entries(builtIn));

/**
 * Looks up an adversarial loss pair by name.
 * @param name - a built-in name (`minimax`, `non-saturating`) or one added with {@link registerAdversarialLoss}
 * @returns the loss pair
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
      `getAdversarialLoss: unknown adversarial loss '${name}'; valid names: ${[...registry.keys()].join(', ')}`,
    );
  }
  return loss;
}

/**
 * @returns the names of every registered adversarial loss
 * @example
 * ```ts
 * import { listAdversarialLosses } from '@gankit/losses';
 * console.log(listAdversarialLosses()); // ['minimax', 'non-saturating', ...]
 * ```
 * @category Adversarial losses
 */
export function listAdversarialLosses(): string[] {
  return [...registry.keys()];
}

/**
 * Adds a user-defined adversarial loss pair to the registry, so configs can name it.
 * @param loss - the pair, with a unique name
 * @throws GanError `INVALID_ARGUMENT` when the name is taken
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
  if (registry.has(loss.name)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `registerAdversarialLoss: the name '${loss.name}' is already registered`,
    );
  }
  registry.set(loss.name, loss);
}
