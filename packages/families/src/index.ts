/**
 * The GAN families of gankit and the registry that names them: each family is one folder with
 * its config schema, presets, builder (config -> networks, strategy, data, callbacks) and its
 * sampling and evaluation hooks. `presetConfig`, `train`, `resume`, `sampleRun`, `evaluateRun`
 * and `upscaleFile` are what the `gankit` command calls; `defineFamily` adds your own.
 * @packageDocumentation
 */

export { BUILTIN_FAMILIES } from './builtin.js';
export type { CganConfig } from './cgan/index.js';
export { cganConfigSchema, cganFamily } from './cgan/index.js';
export type { ConfigOverrides, RunConfig } from './config.js';
export {
  applyConfigOverrides,
  applyOverride,
  commonConfigSchema,
  commonConfigShape,
  nonNegative,
  parseWithSchema,
  positiveInt,
} from './config.js';
export type { DataFile, FormatConfigOptions } from './config-file.js';
export { configFromFile, FORBIDDEN_KEYS, formatConfig, readDataFile } from './config-file.js';
export type { CycleganConfig } from './cyclegan/index.js';
export { cycleganConfigSchema, cycleganFamily } from './cyclegan/index.js';
export type { DcganConfig } from './dcgan/index.js';
export { dcganConfigSchema, dcganFamily } from './dcgan/index.js';
export type {
  BuildContext,
  EvaluateOptions,
  FamilyDefinition,
  FamilyParts,
  Log,
  SampleOptions,
  TranslateOptions,
} from './family.js';
export type { GanConfig } from './gan/index.js';
export { ganConfigSchema, ganFamily } from './gan/index.js';
export type { LapganConfig } from './lapgan/index.js';
export { lapganConfigSchema, lapganFamily } from './lapgan/index.js';
export type { LsrganConfig } from './lsrgan/index.js';
export { lsrganConfigSchema, lsrganFamily } from './lsrgan/index.js';
export type { Pix2pixConfig } from './pix2pix/index.js';
export { pix2pixConfigSchema, pix2pixFamily } from './pix2pix/index.js';
export {
  defineFamily,
  familyJsonSchema,
  getFamily,
  getPreset,
  listFamilies,
  listPresets,
  parseRunConfig,
} from './registry.js';
export type {
  ResumeOptions,
  Run,
  RunOptions,
  RunResult,
  TrainOptions,
} from './run/run.js';
export { createRun, disposeRun, presetConfig, resume, train } from './run/run.js';
export {
  assertFreshRunDir,
  nextFreeRunDir,
  readRunConfig,
  runPaths,
  writeRunConfig,
} from './run/run-dir.js';
export type {
  EvaluateRunOptions,
  SampleRunOptions,
  TranslateFilesOptions,
  UpscaleFileOptions,
  UseOptions,
} from './run/use.js';
export { evaluateRun, MAX_SAMPLES, sampleRun, translateFiles, upscaleFile } from './run/use.js';
export type {
  ImageMetrics,
  ImageMetricsOptions,
  ReferenceFile,
  ReferenceOptions,
} from './shared/image-metrics.js';
export {
  imageGenerativeMetrics,
  imageSetMetrics,
  referenceStatistics,
  writeReferenceStatistics,
} from './shared/image-metrics.js';
export type { SrEvalRow } from './shared/super-resolution.js';
export { SKIMAGE_EVAL_IMAGES } from './shared/super-resolution.js';
export type { SrganConfig } from './srgan/index.js';
export { srganConfigSchema, srganFamily } from './srgan/index.js';
export type { SrresnetConfig } from './srresnet/index.js';
export { srresnetConfigSchema, srresnetFamily } from './srresnet/index.js';
export type { TextToImageConfig } from './text-to-image/index.js';
export {
  PREVIEW_CAPTIONS,
  textToImageConfigSchema,
  textToImageFamily,
} from './text-to-image/index.js';
export { INTERPOLATION_STEPS } from './text-to-image/measure.js';
export type { VoiceConversionConfig } from './voice-conversion/index.js';
export {
  VOICE_REVERSE_GENERATOR_DIR,
  voiceConversionConfigSchema,
  voiceConversionFamily,
} from './voice-conversion/index.js';
