/**
 * Evaluation metrics for GANs.
 * @packageDocumentation
 */
export type {
  ClassFidelity,
  ClassFidelityOptions,
  ImageClassifier,
} from './class-fidelity/class-fidelity.js';
export { classFidelity } from './class-fidelity/class-fidelity.js';
export { FAST_PATH_MIN_WORK } from './generative/fast-path.js';
export type {
  FeatureStatisticsJSON,
  FeatureStatisticsOptions,
} from './generative/feature-statistics.js';
export { FeatureStatistics } from './generative/feature-statistics.js';
export type { FeatureInput, FlatFeatures } from './generative/features.js';
export type { FrechetDistance } from './generative/fid.js';
export { fid, frechetDistance } from './generative/fid.js';
export type { InceptionScore, InceptionScoreOptions } from './generative/inception-score.js';
export { inceptionScore } from './generative/inception-score.js';
export type { KernelInceptionDistance, KernelInceptionDistanceOptions } from './generative/kid.js';
export { kid } from './generative/kid.js';
export type {
  DensityCoverage,
  DensityCoverageOptions,
  ManifoldMetrics,
  ManifoldMetricsOptions,
  PrecisionRecall,
  PrecisionRecallOptions,
} from './generative/precision-recall.js';
export { densityCoverage, manifoldMetrics, precisionRecall } from './generative/precision-recall.js';
export type { MetricProvenance } from './generative/provenance.js';
export { assertComparable } from './generative/provenance.js';
export type {
  ImageQualityOptions,
  ImageQualityScore,
  SsimOptions,
} from './image-quality/image-quality.js';
export { psnr, ssim } from './image-quality/image-quality.js';
export type { ModeCoverage, ModeCoverageOptions } from './mode-coverage/mode-coverage.js';
export { modeCoverage } from './mode-coverage/mode-coverage.js';
export type {
  DtwResult,
  LogMelInput,
  MelCepstralDistortionOptions,
  MelCepstralDistortionResult,
} from './speech/mel-cepstral-distortion.js';
export { dtwAlign, melCepstralDistortion, melCepstrum } from './speech/mel-cepstral-distortion.js';
