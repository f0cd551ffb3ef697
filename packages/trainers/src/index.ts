/**
 * The gankit training engine (loop, callbacks, checkpoints) and one strategy per GAN family.
 * @packageDocumentation
 */
export type { CheckpointCallbackOptions } from './callbacks/checkpoint.js';
export { checkpointCallback } from './callbacks/checkpoint.js';
export type { LearningRateScheduleOptions } from './callbacks/learning-rate.js';
export { learningRateFactor, learningRateSchedule } from './callbacks/learning-rate.js';
export type { MetricsLogOptions } from './callbacks/metrics-log.js';
export { metricsLogCallback } from './callbacks/metrics-log.js';
export type { ProgressInfo, ProgressOptions } from './callbacks/progress.js';
export { formatDuration, progressCallback } from './callbacks/progress.js';
export type { SampleGridOptions } from './callbacks/sample-grid.js';
export { sampleGridCallback } from './callbacks/sample-grid.js';
export type { ScatterPlotCallbackOptions } from './callbacks/scatter-plot.js';
export { scatterPlotCallback } from './callbacks/scatter-plot.js';
export type { DatasetBatchSourceOptions } from './data/dataset-source.js';
export { datasetBatchSource } from './data/dataset-source.js';
export type { PointsBatchSourceOptions } from './data/points-source.js';
export { pointsBatchSource } from './data/points-source.js';
export type { Callback, TrainingContext } from './engine/callbacks.js';
export { WeightsEma } from './engine/ema.js';
export { trainingStep } from './engine/step.js';
export type { TrainerOptions, TrainResult } from './engine/trainer.js';
export { Trainer } from './engine/trainer.js';
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
