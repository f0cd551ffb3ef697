/**
 * The loss catalogue of gankit: adversarial loss pairs on logits, critic regularizers, content,
 * perceptual, style, total-variation and feature-matching terms, the latent-space terms of the
 * latent-regularized GAN, GAN-CLS's matching-aware loss, weighted and adaptive composition, and
 * a typed registry that resolves losses from names in configs. Every loss is a plain function on
 * tfjs tensors that runs inside `tf.tidy`; the caller owns what it returns.
 * @packageDocumentation
 */
export type { AcganOptions, AuxiliaryClassifierLosses } from './adversarial/acgan.js';
export {
  acganDiscriminatorClassLoss,
  acganGeneratorClassLoss,
  acganLosses,
  auxiliaryClassifierLoss,
} from './adversarial/acgan.js';
export type { HingeOptions } from './adversarial/hinge.js';
export { hingeDiscriminatorLoss, hingeGeneratorLoss } from './adversarial/hinge.js';
export type { LeastSquaresOptions } from './adversarial/least-squares.js';
export { leastSquaresDiscriminatorLoss, leastSquaresGeneratorLoss } from './adversarial/least-squares.js';
export {
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
} from './adversarial/minimax.js';
export {
  hingeLoss,
  leastSquaresLoss,
  minimaxLoss,
  nonSaturatingLoss,
  relativisticAverageLoss,
  wassersteinLoss,
} from './adversarial/pairs.js';
export type { AdversarialLoss, AdversarialLossName } from './adversarial/registry.js';
export {
  getAdversarialLoss,
  listAdversarialLosses,
  registerAdversarialLoss,
} from './adversarial/registry.js';
export {
  relativisticAverageDiscriminatorLoss,
  relativisticAverageGeneratorLoss,
} from './adversarial/relativistic.js';
export { wassersteinDiscriminatorLoss, wassersteinGeneratorLoss } from './adversarial/wasserstein.js';
export type { CombineAdversarialOptions, CombinedAdversarialLoss } from './composition/adaptive.js';
export { combineAdversarialLoss } from './composition/adaptive.js';
export type { WeightedSumResult, WeightedTerm } from './composition/weighted-sum.js';
export { weightedSum } from './composition/weighted-sum.js';
export type { MatchingAwareOptions } from './conditional/matching-aware.js';
export { matchingAwareDiscriminatorLoss } from './conditional/matching-aware.js';
export type { FeatureExtractor, LayerWeights } from './content/feature-extractor.js';
export type { FeatureMatchingOptions, FeatureSet } from './content/feature-matching.js';
export { featureMatchingLoss } from './content/feature-matching.js';
export type { PerceptualLossOptions, StyleLossOptions } from './content/perceptual.js';
export { gramMatrix, perceptualLoss, styleLoss } from './content/perceptual.js';
export type { CharbonnierOptions } from './content/pixel.js';
export { charbonnierLoss, l1Loss, l2Loss } from './content/pixel.js';
export type { TotalVariationOptions } from './content/total-variation.js';
export { totalVariationLoss } from './content/total-variation.js';
export type { DistanceKind, NormKind } from './internal/math.js';
export type {
  LatentDistanceOptions,
  LipschitzHingeInputs,
  LipschitzHingeOptions,
} from './latent/latent-regularization.js';
export { latentDistance, lipschitzHinge } from './latent/latent-regularization.js';
export type {
  CatalogLossDeclaration,
  ContentLoss,
  CriticPenalty,
  FeatureMatchingLoss,
  ImageLoss,
  LatentDistanceLoss,
  LipschitzHingeLoss,
  LossCatalog,
  LossDeclaration,
  LossDefinition,
  LossInfo,
  LossKind,
  LossName,
  LossNameOfKind,
  LossOf,
  LossOfKind,
  LossOptions,
  LossOptionsArg,
  LossSpec,
  MatchingAwareLoss,
  NoOptions,
  OptionCheck,
} from './registry/catalog.js';
export {
  defineLoss,
  getLoss,
  getLossInfo,
  listLosses,
  registerLoss,
  resolveLoss,
} from './registry/catalog.js';
export type {
  Critic,
  GradientPenaltyOptions,
  PenaltyCallOptions,
  R1Options,
} from './regularizers/gradient-penalty.js';
export {
  gradientPenalty,
  r1Penalty,
  r2Penalty,
  randomInterpolates,
} from './regularizers/gradient-penalty.js';
export type { CriticFn } from './regularizers/second-order.js';
export type { HasTrainableWeights } from './regularizers/weight-clipping.js';
export { clipWeights } from './regularizers/weight-clipping.js';
