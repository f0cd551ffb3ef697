/**
 * The foundation of gankit: errors, seeded randomness, backend selection and training kernels,
 * generator and discriminator architectures, datasets and image I/O, and checkpoints.
 * @packageDocumentation
 */

export type {
  ConditionalDiscriminatorOptions,
  ConditionalGeneratorOptions,
} from './architectures/conditional.js';

export { conditionalDiscriminator, conditionalGenerator } from './architectures/conditional.js';
export type { DcganDiscriminatorOptions, DcganGeneratorOptions } from './architectures/dcgan.js';
export { dcganDiscriminator, dcganGenerator } from './architectures/dcgan.js';
export type { PatchganDiscriminatorOptions, UnetGeneratorOptions } from './architectures/image-to-image.js';
export { patchganDiscriminator, unetGenerator } from './architectures/image-to-image.js';
export type { MlpDiscriminatorOptions, MlpGeneratorOptions } from './architectures/mlp.js';
export { mlpDiscriminator, mlpGenerator } from './architectures/mlp.js';
export type {
  SrganDiscriminatorOptions,
  SrresnetGeneratorOptions,
} from './architectures/super-resolution.js';
export { srganDiscriminator, srresnetGenerator } from './architectures/super-resolution.js';
export type {
  TrainingKernelBackend,
  TrainingKernelInfo,
  TrainingKernelReport,
} from './backend/kernels/index.js';
export {
  formatTrainingKernelReport,
  getOriginalKernel,
  listTrainingKernels,
  registerTrainingKernels,
  restoreOriginalKernels,
  TRAINING_GRADIENTS,
} from './backend/kernels/index.js';
export type {
  NativeKernelBackend,
  NativeKernelOptions,
  NativeKernelReport,
  NativeKernelStatus,
} from './backend/native/index.js';
export { disableNativeKernels, enableNativeKernels, nativeKernelStatus } from './backend/native/index.js';
export { MALLOC_TUNING, mallocTuned } from './backend/native/malloc.js';
export type { BackendChoice, BackendReport, SetupBackendOptions } from './backend/setup.js';
export { BACKEND_CHOICES, BACKEND_PREFERENCE, formatBackendReport, setupBackend } from './backend/setup.js';
export type { WasmThreadsOptions, WasmThreadsReport, WasmThreadsStatus } from './backend/threads/index.js';
export { disposeWasmThreads, enableWasmThreads, wasmThreadsStatus } from './backend/threads/index.js';
export type {
  AdapterInfoLike,
  DawnBackendType,
  WebgpuAdapterSummary,
  WebgpuOptions,
} from './backend/webgpu/index.js';
export { DAWN_BACKENDS, softwareAdapterReason, webgpuAdapter } from './backend/webgpu/index.js';
export { writeDirAtomic, writeFileAtomic } from './checkpoint/atomic.js';
export type {
  CheckpointContents,
  CheckpointManagerOptions,
  RestoredCheckpoint,
} from './checkpoint/checkpoint-manager.js';
export { CheckpointManager } from './checkpoint/checkpoint-manager.js';
export { fileSystemHandler, loadModel, saveModel } from './checkpoint/model-io.js';
export type { BatchSamplerOptions, BatchSamplerState } from './data/batch-sampler.js';
export { BatchSampler } from './data/batch-sampler.js';
export type { EdgeMapOptions } from './data/edges.js';
export { edgeMap } from './data/edges.js';
export type { FashionMnistDataset, FashionMnistOptions } from './data/fashion-mnist.js';
export {
  bundledFashionMnistDir,
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASS_NAMES,
  loadFashionMnist,
} from './data/fashion-mnist.js';
export type { GaussianMixture, GaussianMixtureOptions } from './data/gaussian-mixture.js';

export { gaussianMixture } from './data/gaussian-mixture.js';
export type { IdxArray, IdxDataTypes, IdxDtype, IdxWriteOptions } from './data/idx.js';
export { encodeIdx, readIdx, writeIdx } from './data/idx.js';
export type { ImageDataset, ImageDatasetOptions, TensorBatch } from './data/image-dataset.js';
export {
  createImageDataset,
  stratifiedIndices,
  subsetImageDataset,
  toTensorBatch,
} from './data/image-dataset.js';
export type { ImageGridOptions, LoadImageOptions, RawImage, SaveImageOptions } from './data/image-io.js';
export { encodeImageGrid, imageGrid, loadImage, saveImage, saveImageGrid } from './data/image-io.js';
export type {
  SuperResolutionPairs,
  SuperResolutionPairsOptions,
  SuperResolutionPairsState,
} from './data/paired-images.js';
export {
  bicubicDownscale,
  bundledSuperResolutionDir,
  loadImageFolder,
  resizeBicubic,
  superResolutionPairs,
} from './data/paired-images.js';
export type { ScatterPlotOptions, ScatterSeries } from './data/scatter-plot.js';
export { saveScatterPlot } from './data/scatter-plot.js';
export type { GanErrorCode } from './errors/gan-error.js';
export { checkInteger, checkNumber, formatShape, GanError } from './errors/gan-error.js';
export type { TiledUpscaleOptions } from './inference/tiled-upscale.js';
export { tiledUpscale } from './inference/tiled-upscale.js';
export type { PixelShuffleOptions } from './layers/pixel-shuffle.js';
export { PixelShuffle, pixelShuffle } from './layers/pixel-shuffle.js';
export type { Resize2DOptions } from './layers/resize2d.js';
export { Resize2D, resize2d } from './layers/resize2d.js';
export type { SeededDropoutOptions } from './layers/seeded-dropout.js';
export { reseedDropout, SeededDropout, seededDropout } from './layers/seeded-dropout.js';
export type { SpectralNormalizationOptions } from './layers/spectral-norm.js';
export { SpectralNormalization, spectralNormalization } from './layers/spectral-norm.js';
export type { SeededRandomState } from './random/seeded-random.js';
export { SeededRandom } from './random/seeded-random.js';
export type { SerializableClass, SerializedObject } from './registry/serializable.js';
export {
  deserialize,
  listSerializables,
  registerSerializable,
  registryKey,
} from './registry/serializable.js';
