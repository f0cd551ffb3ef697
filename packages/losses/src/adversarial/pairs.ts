import { checkOptions, numberOption, positiveOption } from '../internal/validate.js';
import { type HingeOptions, hingeDiscriminatorLoss, hingeGeneratorLoss } from './hinge.js';
import {
  type LeastSquaresOptions,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
} from './least-squares.js';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss, nonSaturatingGeneratorLoss } from './minimax.js';
import { relativisticAverageDiscriminatorLoss, relativisticAverageGeneratorLoss } from './relativistic.js';
import type { AdversarialLoss } from './types.js';
import { wassersteinDiscriminatorLoss, wassersteinGeneratorLoss } from './wasserstein.js';

/**
 * The true minimax game of Goodfellow et al. 2014 (G minimises log(1 - D(G(z))), which saturates).
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { minimaxLoss } from '@gankit/losses';
 * const loss = minimaxLoss.generator(tf.tensor1d([0])); // -ln 2
 * ```
 * @category Adversarial losses
 */
export const minimaxLoss: AdversarialLoss = Object.freeze<AdversarialLoss>({
  name: 'minimax',
  description: 'Goodfellow 2014, the true minimax game: G minimises log(1 - D(G(z))) (saturates)',
  discriminator: minimaxDiscriminatorLoss,
  generator: minimaxGeneratorLoss,
});

/**
 * The non-saturating variant of Goodfellow et al. 2014 (G maximises log D(G(z))).
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { nonSaturatingLoss } from '@gankit/losses';
 * const loss = nonSaturatingLoss.generator(tf.tensor1d([0])); // ln 2
 * ```
 * @category Adversarial losses
 */
export const nonSaturatingLoss: AdversarialLoss = Object.freeze<AdversarialLoss>({
  name: 'non-saturating',
  description: 'Goodfellow 2014, the practical variant: G maximises log D(G(z))',
  discriminator: minimaxDiscriminatorLoss,
  generator: nonSaturatingGeneratorLoss,
});

/**
 * The Wasserstein GAN pair (Arjovsky et al. 2017); keep the critic Lipschitz.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { wassersteinLoss } from '@gankit/losses';
 * const loss = wassersteinLoss.discriminator(tf.tensor1d([3]), tf.tensor1d([1])); // -2
 * ```
 * @category Adversarial losses
 */
export const wassersteinLoss: AdversarialLoss = Object.freeze<AdversarialLoss>({
  name: 'wasserstein',
  description: 'Arjovsky 2017: critic minimises E[D(G(z))] - E[D(x)], G minimises -E[D(G(z))]',
  discriminator: wassersteinDiscriminatorLoss,
  generator: wassersteinGeneratorLoss,
});

/**
 * The relativistic average GAN pair (Jolicoeur-Martineau 2018, as in ESRGAN). Its generator
 * loss needs D's logits on real images too.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { relativisticAverageLoss } from '@gankit/losses';
 * const loss = relativisticAverageLoss.generator(tf.tensor1d([0]), tf.tensor1d([0])); // 2 ln 2
 * ```
 * @category Adversarial losses
 */
export const relativisticAverageLoss: AdversarialLoss = Object.freeze<AdversarialLoss>({
  name: 'relativistic-average',
  description:
    'Jolicoeur-Martineau 2018 / ESRGAN: D_Ra = sigmoid(C(x) - E[C(other)]); G also needs real logits',
  discriminator: relativisticAverageDiscriminatorLoss,
  generator: relativisticAverageGeneratorLoss,
  generatorNeedsRealLogits: true,
});

/**
 * The least-squares GAN pair (Mao et al. 2017) with its a-b-c targets.
 * @param options - targets a (fake), b (real), c (generator); default 0, 1, 1
 * @returns the pair, named `lsgan`
 * @throws GanError `INVALID_ARGUMENT` for non-finite targets
 * @example
 * ```ts
 * import { leastSquaresLoss } from '@gankit/losses';
 * const { discriminator, generator } = leastSquaresLoss({ fakeTarget: -1, realTarget: 1, generatorTarget: 0 });
 * ```
 * @category Adversarial losses
 */
export function leastSquaresLoss(options?: LeastSquaresOptions): AdversarialLoss {
  const fn = 'leastSquaresLoss';
  const o = checkOptions(fn, options);
  const bound: LeastSquaresOptions = {
    fakeTarget: numberOption(fn, 'fakeTarget', o.fakeTarget, 0),
    realTarget: numberOption(fn, 'realTarget', o.realTarget, 1),
    generatorTarget: numberOption(fn, 'generatorTarget', o.generatorTarget, 1),
  };
  return Object.freeze<AdversarialLoss>({
    name: 'lsgan',
    description:
      'Mao 2017, least squares: D minimises 1/2 E[(D(x)-b)^2] + 1/2 E[(D(G(z))-a)^2], G 1/2 E[(D(G(z))-c)^2]',
    discriminator: (real, fake) => leastSquaresDiscriminatorLoss(real, fake, bound),
    generator: (fake) => leastSquaresGeneratorLoss(fake, bound),
  });
}

/**
 * The hinge pair (Lim & Ye 2017; Miyato et al. 2018) with its margin.
 * @param options - the margin (default 1)
 * @returns the pair, named `hinge`
 * @throws GanError `INVALID_ARGUMENT` for a margin <= 0
 * @example
 * ```ts
 * import { hingeLoss } from '@gankit/losses';
 * const { discriminator, generator } = hingeLoss({ margin: 1 });
 * ```
 * @category Adversarial losses
 */
export function hingeLoss(options?: HingeOptions): AdversarialLoss {
  const margin = positiveOption('hingeLoss', 'margin', checkOptions('hingeLoss', options).margin, 1);
  return Object.freeze<AdversarialLoss>({
    name: 'hinge',
    description:
      'Lim & Ye 2017 / Miyato 2018: D minimises E[relu(1 - D(x))] + E[relu(1 + D(G(z)))], G -E[D(G(z))]',
    discriminator: (real, fake) => hingeDiscriminatorLoss(real, fake, { margin }),
    generator: hingeGeneratorLoss,
  });
}
