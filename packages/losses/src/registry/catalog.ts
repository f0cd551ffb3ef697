import { GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { type AcganOptions, type AuxiliaryClassifierLosses, acganLosses } from '../adversarial/acgan.js';
import type { HingeOptions } from '../adversarial/hinge.js';
import type { LeastSquaresOptions } from '../adversarial/least-squares.js';
import { hingeLoss, leastSquaresLoss } from '../adversarial/pairs.js';
import {
  getAdversarialLoss,
  listAdversarialLosses,
  registerAdversarialLoss,
  reservedNames,
} from '../adversarial/registry.js';
import type { AdversarialLoss } from '../adversarial/types.js';
import { type MatchingAwareOptions, matchingAwareDiscriminatorLoss } from '../conditional/matching-aware.js';
import { checkExtractor } from '../content/feature-extractor.js';
import {
  type FeatureMatchingOptions,
  type FeatureSet,
  featureMatchingLoss,
} from '../content/feature-matching.js';
import {
  type PerceptualLossOptions,
  perceptualLoss,
  type StyleLossOptions,
  styleLoss,
} from '../content/perceptual.js';
import { type CharbonnierOptions, charbonnierLoss, l1Loss, l2Loss } from '../content/pixel.js';
import { type TotalVariationOptions, totalVariationLoss } from '../content/total-variation.js';
import { checkOptions, describe } from '../internal/validate.js';
import {
  type LatentDistanceOptions,
  type LipschitzHingeInputs,
  type LipschitzHingeOptions,
  latentDistance,
  lipschitzHinge,
} from '../latent/latent-regularization.js';
import {
  type Critic,
  type GradientPenaltyOptions,
  gradientPenalty,
  type PenaltyCallOptions,
  type R1Options,
  r1Penalty,
  r2Penalty,
} from '../regularizers/gradient-penalty.js';

/**
 * The families of the loss catalogue; each fixes the call signature of its members.
 * @category Registry
 */
export type LossKind =
  | 'adversarial'
  | 'classifier'
  | 'conditional'
  | 'penalty'
  | 'content'
  | 'image'
  | 'features'
  | 'latent';

/** `(prediction, target) => loss`: pixel, perceptual and style losses. @category Registry */
export type ContentLoss = (prediction: tf.Tensor, target: tf.Tensor) => tf.Scalar;
/** `(images) => loss`: total variation. @category Registry */
export type ImageLoss = (images: tf.Tensor) => tf.Scalar;
/**
 * `(critic, real, fake, call?) => penalty`: gradient penalty, R1 (uses `real`), R2 (uses `fake`).
 * @category Registry
 */
export type CriticPenalty = (
  critic: Critic,
  real: tf.Tensor,
  fake: tf.Tensor,
  call?: PenaltyCallOptions,
) => tf.Scalar;
/** `(realFeatures, fakeFeatures) => loss`. @category Registry */
export type FeatureMatchingLoss = (realFeatures: FeatureSet, fakeFeatures: FeatureSet) => tf.Scalar;
/** `(encodedTarget, encodedGenerated) => loss`. @category Registry */
export type LatentDistanceLoss = (encodedTarget: tf.Tensor, encodedGenerated: tf.Tensor) => tf.Scalar;
/** `(inputs) => penalty`. @category Registry */
export type LipschitzHingeLoss = (inputs: LipschitzHingeInputs) => tf.Scalar;
/** `(realRightLogits, fakeRightLogits, realWrongLogits) => loss`. @category Registry */
export type MatchingAwareLoss = (
  realRightLogits: tf.Tensor,
  fakeRightLogits: tf.Tensor,
  realWrongLogits: tf.Tensor,
) => tf.Scalar;

/** Options of losses that take none. @category Registry */
export type NoOptions = Partial<Record<string, never>>;

/**
 * Every loss the registry knows, by name: its kind, its options and the type `getLoss` returns.
 * Extend it by declaration merging when you {@link registerLoss} your own:
 *
 * ```ts
 * declare module '@gankit/losses' {
 *   interface LossCatalog { 'my-l1': { kind: 'content'; options: { scale?: number }; loss: ContentLoss } }
 * }
 * ```
 * @category Registry
 */
export interface LossCatalog {
  minimax: { kind: 'adversarial'; options: NoOptions; loss: AdversarialLoss };
  'non-saturating': { kind: 'adversarial'; options: NoOptions; loss: AdversarialLoss };
  lsgan: { kind: 'adversarial'; options: LeastSquaresOptions; loss: AdversarialLoss };
  hinge: { kind: 'adversarial'; options: HingeOptions; loss: AdversarialLoss };
  wasserstein: { kind: 'adversarial'; options: NoOptions; loss: AdversarialLoss };
  'relativistic-average': { kind: 'adversarial'; options: NoOptions; loss: AdversarialLoss };
  acgan: { kind: 'classifier'; options: AcganOptions; loss: AuxiliaryClassifierLosses };
  'matching-aware': { kind: 'conditional'; options: MatchingAwareOptions; loss: MatchingAwareLoss };
  'gradient-penalty': { kind: 'penalty'; options: GradientPenaltyOptions; loss: CriticPenalty };
  r1: { kind: 'penalty'; options: R1Options; loss: CriticPenalty };
  r2: { kind: 'penalty'; options: R1Options; loss: CriticPenalty };
  l1: { kind: 'content'; options: NoOptions; loss: ContentLoss };
  l2: { kind: 'content'; options: NoOptions; loss: ContentLoss };
  charbonnier: { kind: 'content'; options: CharbonnierOptions; loss: ContentLoss };
  perceptual: { kind: 'content'; options: PerceptualLossOptions; loss: ContentLoss };
  style: { kind: 'content'; options: StyleLossOptions; loss: ContentLoss };
  'total-variation': { kind: 'image'; options: TotalVariationOptions; loss: ImageLoss };
  'feature-matching': { kind: 'features'; options: FeatureMatchingOptions; loss: FeatureMatchingLoss };
  'latent-distance': { kind: 'latent'; options: LatentDistanceOptions; loss: LatentDistanceLoss };
  'lipschitz-hinge': { kind: 'latent'; options: LipschitzHingeOptions; loss: LipschitzHingeLoss };
}

/** A registered loss name. @category Registry */
export type LossName = keyof LossCatalog & string;
/** The options `getLoss(name, options)` takes for a name. @category Registry */
export type LossOptions<N extends LossName> = LossCatalog[N]['options'];
/** What `getLoss(name)` returns for a name. @category Registry */
export type LossOf<N extends LossName> = LossCatalog[N]['loss'];
/** The names of one kind. @category Registry */
export type LossNameOfKind<K extends LossKind> = {
  [N in LossName]: LossCatalog[N]['kind'] extends K ? N : never;
}[LossName];
/** What a loss of a kind is (a function, or a pair for adversarial and classifier losses). @category Registry */
export type LossOfKind<K extends LossKind> = LossOf<LossNameOfKind<K>>;
/** The options argument of `getLoss`: optional when every option is. @category Registry */
export type LossOptionsArg<N extends LossName> =
  object extends LossOptions<N> ? [options?: LossOptions<N>] : [options: LossOptions<N>];
/**
 * A loss as configs and trainer options give it: a name, `[name, options]`, or the loss itself.
 * @category Registry
 */
export type LossSpec<K extends LossKind = LossKind> =
  | { [N in LossNameOfKind<K>]: N | readonly [N, LossOptions<N>] }[LossNameOfKind<K>]
  | LossOfKind<K>;

/**
 * How a loss is made from its options; what {@link registerLoss} takes.
 * @category Registry
 */
export interface LossDefinition {
  /** The unique registry name. */
  readonly name: string;
  /** Its family, which fixes its call signature. */
  readonly kind: LossKind;
  /** One line on what it is and where it comes from. */
  readonly description: string;
  /**
   * Builds the loss with the options bound (validating them).
   * @param options - the options given with the name, if any
   */
  create(options: Record<string, unknown> | undefined): unknown;
}

/** Name, kind and description of a registered loss. @category Registry */
export interface LossInfo {
  /** The registry name. */
  name: string;
  /** Its family. */
  kind: LossKind;
  /** One line on what it is. */
  description: string;
}

const KIND_LABEL: Record<LossKind, string> = {
  adversarial: 'an adversarial loss pair',
  classifier: 'an auxiliary classifier loss pair',
  conditional: 'a matching-aware conditional loss',
  penalty: 'a critic penalty',
  content: 'a content loss',
  image: 'an image regularizer',
  features: 'a feature matching loss',
  latent: 'a latent-space term',
};
const KINDS = Object.keys(KIND_LABEL) as LossKind[];

function adversarialDefinition(
  name: string,
  description: string,
  factory?: (options: Record<string, unknown>) => AdversarialLoss,
): LossDefinition {
  return {
    name,
    kind: 'adversarial',
    description,
    create(options) {
      const o = checkOptions(`getLoss('${name}')`, options);
      if (Object.keys(o).length === 0) return getAdversarialLoss(name);
      if (!factory) {
        throw new GanError(
          'INVALID_ARGUMENT',
          `getLoss: '${name}' takes no options, got ${Object.keys(o).join(', ')}`,
        );
      }
      return factory(o);
    },
  };
}

function noOptions(name: string, options: Record<string, unknown> | undefined): void {
  const o = checkOptions(`getLoss('${name}')`, options);
  if (Object.keys(o).length > 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `getLoss: '${name}' takes no options, got ${Object.keys(o).join(', ')}`,
    );
  }
}

function requireExtractor(name: string, options: Record<string, unknown> | undefined): void {
  checkExtractor(`getLoss('${name}')`, checkOptions(`getLoss('${name}')`, options).extractor);
}

const BUILT_IN: LossDefinition[] = [
  adversarialDefinition('minimax', 'Goodfellow 2014, the true minimax game (G saturates)'),
  adversarialDefinition('non-saturating', 'Goodfellow 2014, the non-saturating generator loss'),
  adversarialDefinition('lsgan', 'Mao 2017, least squares with targets a, b, c', (o) => leastSquaresLoss(o)),
  adversarialDefinition('hinge', 'Lim & Ye 2017 / Miyato 2018, hinge with a margin', (o) => hingeLoss(o)),
  adversarialDefinition('wasserstein', 'Arjovsky 2017, Wasserstein critic and generator losses'),
  adversarialDefinition('relativistic-average', 'Jolicoeur-Martineau 2018 / ESRGAN, relativistic average'),
  {
    name: 'acgan',
    kind: 'classifier',
    description: "Odena 2017, ACGAN's auxiliary classifier terms for D and G",
    create: (o) => acganLosses(o as AcganOptions),
  },
  {
    name: 'matching-aware',
    kind: 'conditional',
    description: "Reed 2016, GAN-CLS's matching-aware discriminator loss",
    create: (o) => {
      const opts = checkOptions("getLoss('matching-aware')", o) as MatchingAwareOptions;
      const loss: MatchingAwareLoss = (r, f, w) => matchingAwareDiscriminatorLoss(r, f, w, opts);
      return loss;
    },
  },
  {
    name: 'gradient-penalty',
    kind: 'penalty',
    description: 'Gulrajani 2017, WGAN-GP gradient penalty on random interpolates',
    create: (o) => {
      const opts = checkOptions("getLoss('gradient-penalty')", o) as GradientPenaltyOptions;
      const loss: CriticPenalty = (critic, real, fake, call) =>
        gradientPenalty(critic, real, fake, call?.seed === undefined ? opts : { ...opts, seed: call.seed });
      return loss;
    },
  },
  {
    name: 'r1',
    kind: 'penalty',
    description: 'Mescheder 2018, R1: gamma/2 E||grad D(x_real)||^2',
    create: (o) => {
      const opts = checkOptions("getLoss('r1')", o) as R1Options;
      const loss: CriticPenalty = (critic, real) => r1Penalty(critic, real, opts);
      return loss;
    },
  },
  {
    name: 'r2',
    kind: 'penalty',
    description: 'Mescheder 2018, R2: gamma/2 E||grad D(x_fake)||^2',
    create: (o) => {
      const opts = checkOptions("getLoss('r2')", o) as R1Options;
      const loss: CriticPenalty = (critic, _real, fake) => r2Penalty(critic, fake, opts);
      return loss;
    },
  },
  {
    name: 'l1',
    kind: 'content',
    description: 'mean absolute error',
    create: (o) => {
      noOptions('l1', o);
      return l1Loss as ContentLoss;
    },
  },
  {
    name: 'l2',
    kind: 'content',
    description: 'mean squared error',
    create: (o) => {
      noOptions('l2', o);
      return l2Loss as ContentLoss;
    },
  },
  {
    name: 'charbonnier',
    kind: 'content',
    description: 'Charbonnier / LapSRN: mean sqrt((p - t)^2 + eps^2)',
    create: (o) => {
      const opts = checkOptions("getLoss('charbonnier')", o) as CharbonnierOptions;
      const loss: ContentLoss = (p, t) => charbonnierLoss(p, t, opts);
      return loss;
    },
  },
  {
    name: 'perceptual',
    kind: 'content',
    description: 'Johnson 2016 / SRGAN, feature distance over an encoder (needs { extractor })',
    create: (o) => {
      requireExtractor('perceptual', o);
      const opts = o as unknown as PerceptualLossOptions;
      const loss: ContentLoss = (p, t) => perceptualLoss(p, t, opts);
      return loss;
    },
  },
  {
    name: 'style',
    kind: 'content',
    description: 'Gatys / Johnson 2016, Gram-matrix style distance (needs { extractor })',
    create: (o) => {
      requireExtractor('style', o);
      const opts = o as unknown as StyleLossOptions;
      const loss: ContentLoss = (p, t) => styleLoss(p, t, opts);
      return loss;
    },
  },
  {
    name: 'total-variation',
    kind: 'image',
    description: "SRGAN's total variation regularization",
    create: (o) => {
      const opts = checkOptions("getLoss('total-variation')", o) as TotalVariationOptions;
      const loss: ImageLoss = (x) => totalVariationLoss(x, opts);
      return loss;
    },
  },
  {
    name: 'feature-matching',
    kind: 'features',
    description: 'Salimans 2016 / pix2pixHD, feature matching on discriminator features',
    create: (o) => {
      const opts = checkOptions("getLoss('feature-matching')", o) as FeatureMatchingOptions;
      const loss: FeatureMatchingLoss = (r, f) => featureMatchingLoss(r, f, opts);
      return loss;
    },
  },
  {
    name: 'latent-distance',
    kind: 'latent',
    description: 'latent-regularized GAN: mean ||E(y) - E(G(z))||',
    create: (o) => {
      const opts = checkOptions("getLoss('latent-distance')", o) as LatentDistanceOptions;
      const loss: LatentDistanceLoss = (a, b) => latentDistance(a, b, opts);
      return loss;
    },
  },
  {
    name: 'lipschitz-hinge',
    kind: 'latent',
    description: 'latent-regularized GAN: mean relu(||G(z) - y|| - k ||E(G(z)) - E(y)||)',
    create: (o) => {
      const opts = checkOptions("getLoss('lipschitz-hinge')", o) as LipschitzHingeOptions;
      const loss: LipschitzHingeLoss = (inputs) => lipschitzHinge(inputs, opts);
      return loss;
    },
  },
];

const definitions = new Map<string, LossDefinition>(BUILT_IN.map((d) => [d.name, d]));
for (const d of BUILT_IN) if (d.kind !== 'adversarial') reservedNames.add(d.name);

function definitionOf(fn: string, name: unknown): LossDefinition {
  if (typeof name === 'string') {
    const own = definitions.get(name);
    if (own) return own;
    if (listAdversarialLosses().includes(name)) {
      return adversarialDefinition(name, getAdversarialLoss(name).description);
    }
  }
  throw new GanError(
    'UNKNOWN_NAME',
    `${fn}: unknown loss ${describe(name)}; valid names: ${listLosses().join(', ')}`,
  );
}

/**
 * Looks up a loss by name and binds its options. The return type is precise per name:
 * an {@link AdversarialLoss} pair for `hinge`, a `(prediction, target) => loss` for `l1`, ...
 *
 * @param name - a name from {@link listLosses}
 * @param options - the loss's options (required for `perceptual` and `style`, which need an extractor)
 * @returns the loss with its options bound
 * @throws GanError `UNKNOWN_NAME` listing the valid names; `INVALID_ARGUMENT` for bad options
 * @example
 * ```ts
 * import { getLoss } from '@gankit/losses';
 * const pair = getLoss('hinge', { margin: 1 }); // AdversarialLoss
 * const content = getLoss('charbonnier', { epsilon: 1e-3 }); // (prediction, target) => tf.Scalar
 * ```
 * @category Registry
 */
export function getLoss<N extends LossName>(name: N, ...options: LossOptionsArg<N>): LossOf<N> {
  const definition = definitionOf('getLoss', name);
  return definition.create(options[0] as Record<string, unknown> | undefined) as LossOf<N>;
}

/**
 * @param kind - only the names of this kind
 * @returns the registered loss names, built-in and user-registered
 * @example
 * ```ts
 * import { listLosses } from '@gankit/losses';
 * listLosses('penalty'); // ['gradient-penalty', 'r1', 'r2']
 * ```
 * @category Registry
 */
export function listLosses(kind?: LossKind): string[] {
  if (kind !== undefined && !KINDS.includes(kind)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `listLosses: unknown kind ${describe(kind)}; kinds: ${KINDS.join(', ')}`,
    );
  }
  const names = [...new Set([...listAdversarialLosses(), ...definitions.keys()])];
  return kind === undefined ? names : names.filter((n) => definitionOf('listLosses', n).kind === kind);
}

/**
 * @param name - a registered name
 * @returns its name, kind and description
 * @throws GanError `UNKNOWN_NAME` listing the valid names
 * @example
 * ```ts
 * import { getLossInfo } from '@gankit/losses';
 * getLossInfo('r1').kind; // 'penalty'
 * ```
 * @category Registry
 */
export function getLossInfo(name: string): LossInfo {
  const { kind, description } = definitionOf('getLossInfo', name);
  return { name, kind, description };
}

function isLossValue(kind: LossKind | undefined, spec: unknown): boolean {
  if (kind === 'adversarial' || kind === 'classifier') {
    return (
      spec != null &&
      typeof spec === 'object' &&
      typeof (spec as { discriminator?: unknown }).discriminator === 'function' &&
      typeof (spec as { generator?: unknown }).generator === 'function'
    );
  }
  if (kind !== undefined) return typeof spec === 'function';
  return typeof spec === 'function' || (spec != null && typeof spec === 'object' && !Array.isArray(spec));
}

/**
 * Resolves a loss as configs and options give it: a name, a `[name, options]` pair, or the
 * loss itself (a function, or a pair object), which is returned unchanged. With `kind`, the
 * loss must be of that family (so a config cannot put `hinge` where a content loss goes).
 *
 * @param spec - `'l1'`, `['charbonnier', { epsilon: 1e-3 }]`, or a loss
 * @returns the loss, typed by the name
 * @throws GanError `UNKNOWN_NAME` for an unknown name (listing the valid ones); `INVALID_ARGUMENT` for a loss of another kind or a malformed spec
 * @example
 * ```ts
 * import { resolveLoss } from '@gankit/losses';
 * const tv = resolveLoss(['total-variation', { variant: 'anisotropic' }]); // (images) => tf.Scalar
 * const content = resolveLoss('l1', 'content'); // ContentLoss
 * ```
 * @category Registry
 */
export function resolveLoss<N extends LossName>(spec: N | readonly [N, LossOptions<N>]): LossOf<N>;
/**
 * Resolves a loss that must belong to one family (so a config cannot put `hinge` where a content loss goes).
 * @param spec - a name, a `[name, options]` pair or a loss of that family
 * @param kind - the family expected
 * @returns the loss, typed by the kind
 * @throws GanError `UNKNOWN_NAME` for an unknown name; `INVALID_ARGUMENT` for a loss of another kind
 * @category Registry
 */
export function resolveLoss<K extends LossKind>(spec: NoInfer<LossSpec<K>>, kind: K): LossOfKind<K>;
export function resolveLoss<L extends LossOfKind<LossKind>>(spec: L): L;
export function resolveLoss(spec: unknown, kind?: LossKind): unknown {
  const fn = 'resolveLoss';
  if (kind !== undefined && !KINDS.includes(kind)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: unknown kind ${describe(kind)}; kinds: ${KINDS.join(', ')}`,
    );
  }
  let name: unknown;
  let options: unknown;
  if (typeof spec === 'string') {
    name = spec;
  } else if (Array.isArray(spec)) {
    if (spec.length !== 2 || typeof spec[0] !== 'string') {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: a [name, options] pair must have two entries, a name first, got ${describe(spec)}`,
      );
    }
    [name, options] = spec;
  } else if (isLossValue(kind, spec)) {
    return spec;
  } else {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: expected a loss name, a [name, options] pair or ${kind ? KIND_LABEL[kind] : 'a loss function'}, got ${describe(spec)}`,
    );
  }
  const definition = definitionOf(fn, name);
  if (kind !== undefined && definition.kind !== kind) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: '${definition.name}' is ${KIND_LABEL[definition.kind]}, expected ${KIND_LABEL[kind]}; those are: ${listLosses(kind).join(', ')}`,
    );
  }
  return definition.create(options as Record<string, unknown> | undefined);
}

/**
 * Adds a loss to the catalogue so configs can name it. An `adversarial` definition also
 * becomes visible to `getAdversarialLoss` (with default options). For precise types, extend
 * {@link LossCatalog} by declaration merging.
 *
 * @param definition - name, kind, description and `create(options)`
 * @throws GanError `INVALID_ARGUMENT` when the name is taken or the definition is malformed
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerLoss } from '@gankit/losses';
 * registerLoss({
 *   name: 'scaled-l1', kind: 'content', description: 'L1 times a scale',
 *   create: (o) => (p: tf.Tensor, t: tf.Tensor) => tf.tidy(() => tf.mul(Number(o?.scale ?? 1), tf.mean(tf.abs(tf.sub(p, t))))),
 * });
 * ```
 * @category Registry
 */
export function registerLoss(definition: LossDefinition): void {
  const fn = 'registerLoss';
  if (
    definition == null ||
    typeof definition.name !== 'string' ||
    definition.name.length === 0 ||
    typeof definition.create !== 'function' ||
    !KINDS.includes(definition.kind)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: definition must have a name, a kind (${KINDS.join(', ')}), a description and create(options), got ${describe(definition)}`,
    );
  }
  if (listLosses().includes(definition.name)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: the name '${definition.name}' is already registered`);
  }
  if (definition.kind === 'adversarial') {
    const pair = definition.create(undefined) as AdversarialLoss;
    registerAdversarialLoss({
      ...pair,
      name: definition.name,
      description: pair.description ?? definition.description,
    });
  } else {
    reservedNames.add(definition.name);
  }
  definitions.set(definition.name, { ...definition, description: definition.description ?? '' });
}
