import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import {
  bundledSuperResolutionDir,
  loadImage,
  loadImageFolder,
  loadModel,
  type RawImage,
  resizeBicubic,
  superResolutionPairs,
  tiledUpscale,
} from '@gankit/data';
import { psnr, ssim } from '@gankit/metrics';
import { srresnetGenerator } from '@gankit/models';
import type { BatchSource, PairedBatch } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { positiveInt } from '../config.js';
import type { EvaluateOptions, Log } from '../family.js';

/** The data section of the super-resolution families. */
export const srDataSchema = z
  .object({
    dataset: z.literal('image-folder'),
    /** `bundled` for the natural-image crops shipped with @gankit/data, or any folder of PNG/JPEG images. */
    dir: z.string().min(1),
    /** Side of the high-resolution training crops; a multiple of `scale`. */
    hrSize: positiveInt,
    scale: z.union([z.literal(2), z.literal(4)]),
  })
  .strict();

/** SRResNet's size (Ledig et al.: 16 blocks of 64 filters) and form. */
export const srGeneratorShape = {
  filters: positiveInt,
  residualBlocks: positiveInt,
  /** Batch norm in the residual blocks (SRGAN; default true); false gives EDSR-style blocks. */
  batchNorm: z.boolean().optional(),
  /** Learn the residual over bilinear upscaling (default false). */
  globalSkip: z.boolean().optional(),
  /**
   * A run directory or a zoo model folder whose trained generator initialises G (SRGAN starts
   * from an SRResNet trained on the pixel loss); the architectures must match.
   */
  initFrom: z.string().min(1).optional(),
};
/** The 8-conv discriminator's size (Ledig et al.: 64 base filters, a 1024-unit dense layer). */
export const srDiscriminatorShape = { discriminatorFilters: positiveInt, discriminatorDense: positiveInt };

/** Paired crops of the run's photos, and a fixed preview batch (rows of input, output, target). */
export interface SrParts {
  data: BatchSource<PairedBatch>;
  /** Owned by the caller: dispose after the strategy took its copy. */
  preview: PairedBatch;
  generator: tfl.LayersModel;
}

/** Pairs shown in sample grids. */
const PREVIEW_PAIRS = 4;

type SrConfig = {
  data: z.infer<typeof srDataSchema>;
  model: {
    filters: number;
    residualBlocks: number;
    batchNorm?: boolean | undefined;
    globalSkip?: boolean | undefined;
    initFrom?: string | undefined;
  };
  training: { batchSize: number; seed: number };
};

/** Copies the weights of the generator saved under `dir` (a run or model folder) into `generator`. */
async function initGeneratorFrom(generator: tfl.LayersModel, dir: string, log: Log): Promise<void> {
  const modelDir = existsSync(path.join(dir, 'generator', 'model.json')) ? path.join(dir, 'generator') : dir;
  if (!existsSync(path.join(modelDir, 'model.json'))) {
    throw new GanError(
      'IO_ERROR',
      `model.initFrom: ${dir} holds no trained generator (expected generator/model.json or model.json)`,
    );
  }
  const source = await loadModel(modelDir);
  try {
    const from = source.getWeights();
    const to = generator.getWeights();
    const shape = (w: tf.Tensor | undefined) => (w ? `[${w.shape.join(',')}]` : 'nothing');
    const i = from.findIndex((w, j) => w.shape.join() !== to[j]?.shape.join());
    if (i >= 0 || from.length !== to.length) {
      const at = i >= 0 ? i : Math.min(from.length, to.length);
      throw new GanError(
        'SHAPE_MISMATCH',
        `model.initFrom: the generator in ${modelDir} does not match this config's architecture: its weight ${at} (${generator.weights[at]?.name ?? 'beyond the last'}) is ${shape(from[at])}, expected ${shape(to[at])} (${from.length} weights against ${to.length})`,
      );
    }
    // saved weights may be float16 on disk; they load as float32
    generator.setWeights(from);
    log(`generator initialised from ${modelDir}`);
  } finally {
    source.dispose();
  }
}

/** The data, preview and SRResNet generator every super-resolution family starts from. */
export async function superResolutionParts(config: SrConfig, log: Log): Promise<SrParts> {
  const { training } = config;
  const dir = config.data.dir === 'bundled' ? bundledSuperResolutionDir() : config.data.dir;
  const { hrSize, scale } = config.data;
  const images = await loadImageFolder(dir, { minSize: hrSize });
  log(`data: ${images.length} images from ${dir}, ${hrSize}x${hrSize} crops, x${scale} bicubic`);
  const data = superResolutionPairs(images, {
    hrSize,
    scale,
    batchSize: training.batchSize,
    seed: training.seed,
  });
  const preview = await superResolutionPairs(images, {
    hrSize,
    scale,
    batchSize: PREVIEW_PAIRS,
    seed: training.seed + 99,
    rotate: false,
    prefetch: false,
  }).next();
  const generator = srresnetGenerator({
    scale,
    filters: config.model.filters,
    residualBlocks: config.model.residualBlocks,
    ...(config.model.batchNorm === undefined ? {} : { batchNorm: config.model.batchNorm }),
    ...(config.model.globalSkip === undefined ? {} : { globalSkip: config.model.globalSkip }),
    seed: training.seed,
  });
  if (config.model.initFrom !== undefined) {
    try {
      await initGeneratorFrom(generator, config.model.initFrom, log);
    } catch (e) {
      generator.dispose();
      tf.dispose([preview.inputs, preview.targets]);
      throw e;
    }
  }
  return { data, preview, generator };
}

/** scikit-image's sample photographs: held out for evaluation, never used for training. */
export const SKIMAGE_EVAL_IMAGES = ['astronaut', 'chelsea', 'coffee', 'rocket', 'motorcycle_left'];
const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';

/** One row of the evaluation: an image, scored for bicubic and for the run's generator. */
export interface SrEvalRow {
  image: string;
  size: [number, number];
  bicubic: { psnr: number; ssim: number };
  model: { psnr: number; ssim: number };
}

function toTensor(image: RawImage): tf.Tensor3D {
  return tf.tidy(() =>
    tf.sub(tf.div(tf.tensor3d(image.data, [image.height, image.width, image.channels], 'float32'), 127.5), 1),
  ) as tf.Tensor3D;
}

/**
 * The super-resolution protocol of SR papers: each image cropped to a multiple of the scale,
 * downscaled bicubically, upscaled by the generator (tiled) and by bicubic interpolation;
 * PSNR and SSIM on the luma with `scale` border pixels cut.
 */
export async function evaluateSuperResolution(
  generator: tfl.LayersModel,
  config: { data: { scale: number } },
  { images, label, log }: EvaluateOptions,
): Promise<{ scale: number; rows: SrEvalRow[] }> {
  const scale = config.data.scale;
  const files =
    images ??
    SKIMAGE_EVAL_IMAGES.map((n) => path.join(SKIMAGE_DATA, `${n}.png`)).filter((f) => existsSync(f));
  if (files.length === 0) {
    throw new GanError(
      'IO_ERROR',
      `eval: no evaluation images; pass some, or install scikit-image's samples with 'apt-get install python3-skimage'`,
    );
  }
  const rows: SrEvalRow[] = [];
  for (const file of files) {
    const full = await loadImage(file, { channels: 3 });
    const w = full.width - (full.width % scale);
    const h = full.height - (full.height % scale);
    // crop to a multiple of the scale (top-left), as SR benchmarks do
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      data.set(full.data.subarray(y * full.width * 3, (y * full.width + w) * 3), y * w * 3);
    const hr: RawImage = { data, width: w, height: h, channels: 3 };
    const lr = await resizeBicubic(hr, w / scale, h / scale);
    const bicubic = await resizeBicubic(lr, w, h);
    const sr = await tiledUpscale(generator, lr, { tile: 64, overlap: 16 });
    const [ref, bic, out] = [hr, bicubic, sr].map(toTensor);
    const opts = { crop: scale } as const;
    const row: SrEvalRow = {
      image: path.basename(file),
      size: [w, h],
      bicubic: { psnr: (await psnr(ref!, bic!, opts)).mean, ssim: (await ssim(ref!, bic!, opts)).mean },
      model: { psnr: (await psnr(ref!, out!, opts)).mean, ssim: (await ssim(ref!, out!, opts)).mean },
    };
    tf.dispose([ref!, bic!, out!]);
    rows.push(row);
    log(
      `${row.image.padEnd(22)} bicubic ${row.bicubic.psnr.toFixed(2)} dB / ${row.bicubic.ssim.toFixed(4)}   ${label} ${row.model.psnr.toFixed(2)} dB / ${row.model.ssim.toFixed(4)}`,
    );
  }
  const mean = (f: (r: SrEvalRow) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  log(
    `mean (Y, ${scale}-pixel border cut)    bicubic ${mean((r) => r.bicubic.psnr).toFixed(2)} dB / ${mean((r) => r.bicubic.ssim).toFixed(4)}   ${label} ${mean((r) => r.model.psnr).toFixed(2)} dB / ${mean((r) => r.model.ssim).toFixed(4)}`,
  );
  return { scale, rows };
}

// Super-resolution at a CPU budget: 48x48 HR crops (12x12 LR) of the bundled photos, a
// 4-block, 32-filter SRResNet (Ledig et al. use 16 blocks of 64 on 96x96 crops for 10^6 steps).
/** The data section of the x4 presets. */
export const srPresetData = { dataset: 'image-folder', dir: 'bundled', hrSize: 48, scale: 4 } as const;
/** The output cadence of the super-resolution presets. */
export const srPresetOutput = { progressEvery: 50, sampleEvery: 250, checkpointEvery: 500, sampleCount: 12 };
/** Adam of the super-resolution presets. */
export const srPresetAdam = { learningRate: 5e-4, beta1: 0.9, beta2: 0.999 };
