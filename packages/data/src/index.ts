/**
 * Data and files for gankit in Node: WAV audio and spectrograms, IDX and Fashion-MNIST, captioned colour Fashion-MNIST, image
 * folders and super-resolution pairs, Gaussian mixtures, seeded batching, PNG grids and scatter
 * plots, atomic checkpoints in the standard tfjs format, tiled upscaling, and the bundled data sets.
 * @packageDocumentation
 */

export type { EspeakVoice } from './audio/espeak.js';
export { espeakAvailable, speak } from './audio/espeak.js';
export type { GriffinLimOptions, MelOptions, StftOptions } from './audio/spectrogram.js';
export {
  griffinLim,
  istft,
  logMelSpectrogram,
  melFilterbank,
  melToMagnitude,
  stft,
  stftMagnitude,
} from './audio/spectrogram.js';
export type { AudioClip } from './audio/wav.js';
export { decodeWav, encodeWav, readWav, resample, toMono, writeWav } from './audio/wav.js';
export { writeDirAtomic, writeFileAtomic } from './checkpoint/atomic.js';
export type {
  CheckpointContents,
  CheckpointManagerOptions,
  RestoredCheckpoint,
} from './checkpoint/checkpoint-manager.js';
export { CheckpointManager } from './checkpoint/checkpoint-manager.js';
export { makeDirectory } from './checkpoint/directories.js';
export { fileSystemHandler, loadModel, saveModel } from './checkpoint/model-io.js';
export type { BatchSamplerOptions, BatchSamplerState } from './datasets/batch-sampler.js';
export { BatchSampler } from './datasets/batch-sampler.js';
export type {
  Brightness,
  CaptionAttributes,
  CaptionedFashion,
  CaptionedFashionRecord,
  CaptionedFashionSplit,
  CaptionsForOptions,
  CaptionTemplate,
  ColourizedFashion,
  ColourizeFashionOptions,
  GarmentAttributes,
  GarmentMeasures,
  GarmentSize,
  MakeCaptionedFashionOptions,
  PaletteColour,
  Texture,
} from './datasets/captioned-fashion.js';
export {
  CAPTION_ALPHABET,
  CAPTION_TEMPLATES,
  CAPTIONED_FASHION_INDEX,
  CAPTIONED_FASHION_SPLIT,
  captionsFor,
  colourizeFashion,
  encodeCaption,
  FASHION_CLASS_SYNONYMS,
  FASHION_PALETTE,
  GARMENT_THRESHOLDS,
  isHeldOutCombination,
  loadCaptionedFashion,
  makeCaptionedFashion,
  measureGarment,
  saveCaptionedFashion,
  TRAINING_CAPTION_TEMPLATES,
} from './datasets/captioned-fashion.js';
export type { EdgeMapOptions } from './datasets/edges.js';
export { edgeMap } from './datasets/edges.js';
export type { FashionMnistDataset, FashionMnistOptions } from './datasets/fashion-mnist.js';
export {
  bundledFashionMnistDir,
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASS_NAMES,
  loadFashionMnist,
} from './datasets/fashion-mnist.js';
export type { GaussianMixture, GaussianMixtureOptions } from './datasets/gaussian-mixture.js';
export { gaussianMixture } from './datasets/gaussian-mixture.js';
export type { IdxArray, IdxDataTypes, IdxDtype, IdxWriteOptions } from './datasets/idx.js';
export { encodeIdx, readIdx, writeIdx } from './datasets/idx.js';
export type { ImageDataset, ImageDatasetOptions, TensorBatch } from './datasets/image-dataset.js';
export {
  createImageDataset,
  stratifiedIndices,
  subsetImageDataset,
  toTensorBatch,
} from './datasets/image-dataset.js';
export type { ImageGridOptions, LoadImageOptions, RawImage, SaveImageOptions } from './datasets/image-io.js';
export {
  encodeImageGrid,
  imageGrid,
  loadImage,
  MAX_IMAGE_PIXELS,
  saveImage,
  saveImageGrid,
} from './datasets/image-io.js';
export type {
  SuperResolutionPairs,
  SuperResolutionPairsOptions,
  SuperResolutionPairsState,
} from './datasets/paired-images.js';
export {
  bicubicDownscale,
  bundledSuperResolutionDir,
  loadImageFolder,
  resizeBicubic,
  superResolutionPairs,
} from './datasets/paired-images.js';
export type { ScatterPlotOptions, ScatterSeries } from './datasets/scatter-plot.js';
export { saveScatterPlot } from './datasets/scatter-plot.js';
export { PngStreamWriter } from './inference/png-stream.js';
export type { TiledUpscaleOptions, UpscaledBand } from './inference/tiled-upscale.js';
export { tiledUpscale, upscaleRowBands } from './inference/tiled-upscale.js';
