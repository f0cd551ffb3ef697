/**
 * The browser-safe part of `@gankit/trainers`: every strategy, the optimizer helpers, EMA, the
 * learning-rate schedule and {@link trainingStep}, the training loop's step, with no Node
 * built-ins. `Trainer` (checkpoints on disk, signals) and the callbacks that write files stay in
 * the main entry. A page drives a strategy with `trainingStep` in its own loop:
 *
 * ```ts
 * import { adversarialStrategy, trainingStep } from '@gankit/trainers/browser';
 * for (let step = 1; step <= 500; step++) await trainingStep(strategy, data, step, rng);
 * ```
 * @packageDocumentation
 */
export type { LearningRateScheduleOptions } from './callbacks/learning-rate.js';
export { learningRateFactor, learningRateSchedule } from './callbacks/learning-rate.js';
export type { ProgressInfo, ProgressOptions } from './callbacks/progress.js';
export { formatDuration, progressCallback } from './callbacks/progress.js';
export type { PointsBatchSourceOptions } from './data/points-source.js';
export { pointsBatchSource } from './data/points-source.js';
export type { Callback, TrainingContext } from './engine/callbacks.js';
export { WeightsEma } from './engine/ema.js';
export { trainingStep } from './engine/step.js';
export type {
  Batch,
  BatchSource,
  StepContext,
  StepLosses,
  Strategy,
  StrategyState,
} from './engine/types.js';
export type { AdamSettings, OptimizerStepOptions } from './engine/update.js';
export {
  adamOptimizer,
  ganAdamPair,
  getLearningRate,
  optimizerStep,
  setLearningRate,
  trainableVariables,
} from './engine/update.js';
export type {
  AdversarialStrategyOptions,
  DcganStrategyOptions,
  DiscriminatorRegularizer,
} from './strategies/adversarial.js';
export { adversarialStrategy, dcganStrategy } from './strategies/adversarial.js';
export type { ConditionalStrategy, ConditionalStrategyOptions } from './strategies/conditional.js';
export { conditionalStrategy, gridLabels } from './strategies/conditional.js';
export type {
  CycleGanStrategy,
  CycleGanStrategyOptions,
  TranslationDirection,
  UnpairedBatch,
} from './strategies/cyclegan.js';
export { cycleGanStrategy, ImagePool } from './strategies/cyclegan.js';
export type { LapganLevel, LapganStrategy, LapganStrategyOptions } from './strategies/lapgan.js';
export { lapganStrategy } from './strategies/lapgan.js';
export type { LatentRegularizedStrategyOptions } from './strategies/latent-regularized.js';
export { latentRegularizedStrategy } from './strategies/latent-regularized.js';
export type { PairedBatch } from './strategies/paired.js';
export type { Pix2pixStrategyOptions } from './strategies/pix2pix.js';
export { pix2pixStrategy } from './strategies/pix2pix.js';
export type { PixelLossName, SrganStrategyOptions } from './strategies/srgan.js';
export { srganStrategy } from './strategies/srgan.js';
export type {
  TextBatch,
  TextToImageMode,
  TextToImageStrategy,
  TextToImageStrategyOptions,
} from './strategies/text-to-image.js';
export { interpolateEmbeddings, textToImageStrategy, wrongTextIndices } from './strategies/text-to-image.js';
