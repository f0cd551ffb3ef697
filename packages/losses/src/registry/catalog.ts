import { GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { type AcganOptions, type AuxiliaryClassifierLosses, acganLosses } from '../adversarial/acgan.js';
import type { HingeOptions } from '../adversarial/hinge.js';
import type { LeastSquaresOptions } from '../adversarial/least-squares.js';
import {
  hingeLoss,
  leastSquaresLoss,
  minimaxLoss,
  nonSaturatingLoss,
  relativisticAverageLoss,
  wassersteinLoss,
} from '../adversarial/pairs.js';
import type { AdversarialLoss } from '../adversarial/types.js';
import { type MatchingAwareOptions, matchingAwareDiscriminatorLoss } from '../conditional/matching-aware.js';
import { checkExtractor, checkLayerWeights } from '../content/feature-extractor.js';
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
import { describe, option } from '../internal/validate.js';
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
import {
  checkKind,
  defineLoss,
  definitionOf,
  isLossPair,
  KIND_LABEL,
  type LossKind,
  listLosses,
  type OptionCheck,
  registerLoss,
} from './registry.js';

export type {
  CatalogLossDeclaration,
  LossDeclaration,
  LossDefinition,
  LossInfo,
  LossKind,
  OptionCheck,
} from './registry.js';
export { defineLoss, getLossInfo, listLosses, registerLoss } from './registry.js';

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

const extractor: OptionCheck = (fn, _key, value) => checkExtractor(fn, value);
const layers: OptionCheck = (fn, _key, value) => checkLayerWeights(fn, value);
const adversarialLoss: OptionCheck = (fn, key, value) => {
  if (value !== undefined && typeof value !== 'string' && !isLossPair(value)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${key} must be an adversarial loss name or pair, got ${describe(value)}`,
    );
  }
};
const distance = option.oneOf('l1', 'l2');

// The built-in entries, in the order listLosses gives them.
for (const definition of [
  defineLoss({
    name: 'minimax',
    kind: 'adversarial',
    description: 'Goodfellow 2014, the true minimax game (G saturates)',
    bind: () => minimaxLoss,
  }),
  defineLoss({
    name: 'non-saturating',
    kind: 'adversarial',
    description: 'Goodfellow 2014, the non-saturating generator loss',
    bind: () => nonSaturatingLoss,
  }),
  defineLoss({
    name: 'lsgan',
    kind: 'adversarial',
    description: 'Mao 2017, least squares with targets a, b, c',
    fn: 'leastSquaresLoss',
    options: { fakeTarget: option.number, realTarget: option.number, generatorTarget: option.number },
    bind: (o) => leastSquaresLoss(o),
  }),
  defineLoss({
    name: 'hinge',
    kind: 'adversarial',
    description: 'Lim & Ye 2017 / Miyato 2018, hinge with a margin',
    fn: 'hingeLoss',
    options: { margin: option.positive },
    bind: (o) => hingeLoss(o),
  }),
  defineLoss({
    name: 'wasserstein',
    kind: 'adversarial',
    description: 'Arjovsky 2017, Wasserstein critic and generator losses',
    bind: () => wassersteinLoss,
  }),
  defineLoss({
    name: 'relativistic-average',
    kind: 'adversarial',
    description: 'Jolicoeur-Martineau 2018 / ESRGAN, relativistic average',
    bind: () => relativisticAverageLoss,
  }),
  defineLoss({
    name: 'acgan',
    kind: 'classifier',
    description: "Odena 2017, ACGAN's auxiliary classifier terms for D and G",
    fn: 'acganLosses',
    options: { fakeWeight: option.weight },
    bind: (o) => acganLosses(o),
  }),
  defineLoss({
    name: 'matching-aware',
    kind: 'conditional',
    description: "Reed 2016, GAN-CLS's matching-aware discriminator loss",
    fn: 'matchingAwareDiscriminatorLoss',
    options: { fakeWeight: option.weight, wrongWeight: option.weight, loss: adversarialLoss },
    bind: (o) => (r, f, w) => matchingAwareDiscriminatorLoss(r, f, w, o),
  }),
  defineLoss({
    name: 'gradient-penalty',
    kind: 'penalty',
    description: 'Gulrajani 2017, WGAN-GP gradient penalty on random interpolates',
    fn: 'gradientPenalty',
    options: { weight: option.weight, target: option.number, oneSided: option.boolean, seed: option.number },
    bind: (o) => (critic, real, fake, call) =>
      gradientPenalty(critic, real, fake, call?.seed === undefined ? o : { ...o, seed: call.seed }),
  }),
  defineLoss({
    name: 'r1',
    kind: 'penalty',
    description: 'Mescheder 2018, R1: gamma/2 E||grad D(x_real)||^2',
    fn: 'r1Penalty',
    options: { gamma: option.weight },
    bind: (o) => (critic, real) => r1Penalty(critic, real, o),
  }),
  defineLoss({
    name: 'r2',
    kind: 'penalty',
    description: 'Mescheder 2018, R2: gamma/2 E||grad D(x_fake)||^2',
    fn: 'r2Penalty',
    options: { gamma: option.weight },
    bind: (o) => (critic, _real, fake) => r2Penalty(critic, fake, o),
  }),
  defineLoss({ name: 'l1', kind: 'content', description: 'mean absolute error', bind: () => l1Loss }),
  defineLoss({ name: 'l2', kind: 'content', description: 'mean squared error', bind: () => l2Loss }),
  defineLoss({
    name: 'charbonnier',
    kind: 'content',
    description: 'Charbonnier / LapSRN: mean sqrt((p - t)^2 + eps^2)',
    fn: 'charbonnierLoss',
    options: { epsilon: option.positive },
    bind: (o) => (p, t) => charbonnierLoss(p, t, o),
  }),
  defineLoss({
    name: 'perceptual',
    kind: 'content',
    description: 'Johnson 2016 / SRGAN, feature distance over an encoder (needs { extractor })',
    fn: 'perceptualLoss',
    options: { extractor, layers, distance },
    bind: (o) => (p, t) => perceptualLoss(p, t, o),
  }),
  defineLoss({
    name: 'style',
    kind: 'content',
    description: 'Gatys / Johnson 2016, Gram-matrix style distance (needs { extractor })',
    fn: 'styleLoss',
    options: { extractor, layers },
    bind: (o) => (p, t) => styleLoss(p, t, o),
  }),
  defineLoss({
    name: 'total-variation',
    kind: 'image',
    description: "SRGAN's total variation regularization",
    fn: 'totalVariationLoss',
    options: { variant: option.oneOf('isotropic', 'anisotropic', 'squared') },
    bind: (o) => (x) => totalVariationLoss(x, o),
  }),
  defineLoss({
    name: 'feature-matching',
    kind: 'features',
    description: 'Salimans 2016 / pix2pixHD, feature matching on discriminator features',
    fn: 'featureMatchingLoss',
    options: { mode: option.oneOf('statistics', 'paired'), distance, layerWeights: option.weights },
    bind: (o) => (r, f) => featureMatchingLoss(r, f, o),
  }),
  defineLoss({
    name: 'latent-distance',
    kind: 'latent',
    description: 'latent-regularized GAN: mean ||E(y) - E(G(z))||',
    fn: 'latentDistance',
    options: { norm: distance },
    bind: (o) => (a, b) => latentDistance(a, b, o),
  }),
  defineLoss({
    name: 'lipschitz-hinge',
    kind: 'latent',
    description: 'latent-regularized GAN: mean relu(||G(z) - y|| - k ||E(G(z)) - E(y)||)',
    fn: 'lipschitzHinge',
    options: { k: option.weight, norm: distance },
    bind: (o) => (inputs) => lipschitzHinge(inputs, o),
  }),
]) {
  registerLoss(definition);
}

/**
 * Looks up a loss by name and binds its options; the return type is precise per name (an
 * {@link AdversarialLoss} pair for `hinge`, a `(prediction, target) => loss` for `l1`, ...).
 * Which lookup: configs go through {@link resolveLoss}, code imports the loss itself
 * (`hingeLoss({ margin: 2 })`); this is the same lookup with the name and options as two arguments.
 *
 * @param name - a name from {@link listLosses}
 * @param options - the loss's options (required for `perceptual` and `style`, which need an extractor)
 * @returns the loss with its options bound
 * @throws GanError `UNKNOWN_NAME` listing the valid names; `INVALID_ARGUMENT` for bad options (naming the option, the loss and what it must be)
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

function isLossValue(kind: LossKind | undefined, spec: unknown): boolean {
  if (kind === 'adversarial' || kind === 'classifier') return isLossPair(spec);
  if (kind !== undefined) return typeof spec === 'function';
  return typeof spec === 'function' || (spec != null && typeof spec === 'object' && !Array.isArray(spec));
}

/**
 * Resolves a loss as configs and options give it: a name, a `[name, options]` pair, or the
 * loss itself (a function, or a pair object), which is returned unchanged. With `kind`, the
 * loss must be of that family (so a config cannot put `hinge` where a content loss goes).
 * Which lookup: this one, for every loss that comes from a config or an option; code imports the
 * loss itself.
 *
 * @param spec - `'l1'`, `['charbonnier', { epsilon: 1e-3 }]`, or a loss
 * @returns the loss, typed by the name
 * @throws GanError `UNKNOWN_NAME` for an unknown name (listing the valid ones); `INVALID_ARGUMENT` for bad options, a loss of another kind or a malformed spec
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
 * @throws GanError `UNKNOWN_NAME` for an unknown name; `INVALID_ARGUMENT` for bad options or a loss of another kind
 * @category Registry
 */
export function resolveLoss<K extends LossKind>(spec: NoInfer<LossSpec<K>>, kind: K): LossOfKind<K>;
export function resolveLoss<L extends LossOfKind<LossKind>>(spec: L): L;
export function resolveLoss(spec: unknown, kind?: LossKind): unknown {
  const fn = 'resolveLoss';
  if (kind !== undefined) checkKind(fn, kind);
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
