import { GanError } from '@gankit/core';
import { edgeMap, type FashionMnistDataset, toTensorBatch } from '@gankit/data';
import { patchganDiscriminator, unetGenerator } from '@gankit/models';
import {
  type BatchSource,
  datasetBatchSource,
  type PairedBatch,
  pix2pixStrategy,
  type Trainer,
} from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { commonConfigShape, nonNegative, positiveInt } from '../config.js';
import type { FamilyDefinition, Log } from '../family.js';
import { loadFashionSplit } from '../shared/fashion.js';
import { cropTo, padTo } from '../shared/frame.js';
import { imageSetMetrics } from '../shared/image-metrics.js';

/** Config of the `pix2pix` family. @category Families */
export const pix2pixConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('pix2pix'),
    data: z
      .object({
        dataset: z.literal('fashion-edges'),
        /** `bundled` or a folder with the Fashion-MNIST IDX files; images are padded to `model.imageSize`. */
        dir: z.string().min(1),
        /** Sobel magnitude above which a pixel is an edge. */
        edgeThreshold: z.number().gt(0),
      })
      .strict(),
    model: z
      .object({
        imageSize: positiveInt,
        generatorFilters: positiveInt,
        discriminatorFilters: positiveInt,
        /** Stride-2 layers of the PatchGAN. */
        discriminatorLayers: positiveInt,
      })
      .strict(),
    /** lambda of the L1 term (100 in Isola et al.). */
    l1Weight: nonNegative,
  })
  .strict();

/** A validated `pix2pix` config. @category Families */
export type Pix2pixConfig = z.infer<typeof pix2pixConfigSchema>;

const pix2pixEdges: Pix2pixConfig = {
  preset: 'pix2pix-edges',
  family: 'pix2pix',
  description:
    'pix2pix (Isola et al. 2017): Fashion-MNIST edge maps to images, U-Net G, PatchGAN D, L1 x 100',
  data: { dataset: 'fashion-edges', dir: 'bundled', edgeThreshold: 1 },
  model: { imageSize: 32, generatorFilters: 16, discriminatorFilters: 16, discriminatorLayers: 2 },
  l1Weight: 100,
  loss: 'non-saturating',
  discriminatorSteps: 1,
  optimizer: { learningRate: 2e-4, beta1: 0.5, beta2: 0.999 },
  training: { steps: 1000, batchSize: 16, seed: 0 },
  output: { progressEvery: 50, sampleEvery: 250, checkpointEvery: 500, sampleCount: 12 },
  backend: 'auto',
};

/** Pairs shown in sample grids (rows of input, output, target). */
const PREVIEW_PAIRS = 4;

/**
 * FID and friends of a translator: it translates the edge maps of the test images, and its
 * outputs (the 28x28 centre of the padded frame) are scored like any generator's samples, in
 * the shipped classifier's feature space (or `options.features`) against the real test images.
 */
function translationMetrics(
  g: tfl.LayersModel,
  config: Pix2pixConfig,
  test: FashionMnistDataset,
  options: {
    n?: number | undefined;
    seed: number;
    stats?: string | undefined;
    features?: string | undefined;
    log: Log;
  },
) {
  const size = config.model.imageSize;
  const threshold = config.data.edgeThreshold;
  return imageSetMetrics(
    (start, count) =>
      tf.tidy(() => {
        const { images, labels } = toTensorBatch(
          test,
          Array.from({ length: count }, (_, i) => start + i),
        );
        labels.dispose();
        const fake = g.predict(edgeMap(padTo(images, size), { threshold })) as tf.Tensor4D;
        return cropTo(fake, test.height, test.width);
      }),
    Math.min(options.n ?? test.count, test.count),
    {
      seed: options.seed,
      log: options.log,
      ...(options.stats ? { stats: options.stats } : {}),
      ...(options.features ? { features: options.features } : {}),
    },
  );
}

function edgesSource(source: BatchSource, size: number, threshold: number): BatchSource<PairedBatch> {
  const pad = (images: tf.Tensor) => padTo(images as tf.Tensor4D, size);
  return {
    async next() {
      const batch = await source.next();
      const out = tf.tidy(() => {
        const targets = pad(batch.images);
        return { inputs: edgeMap(targets, { threshold }), targets };
      });
      tf.dispose([batch.images, ...(batch.labels ? [batch.labels] : [])]);
      return out;
    },
    getState: () => source.getState(),
    setState: (s) => source.setState(s),
  };
}

/**
 * pix2pix (Isola et al. 2017): paired image-to-image translation with a U-Net G, a PatchGAN D
 * and an L1 term; here Fashion-MNIST edge maps to garments.
 * @category Families
 */
export const pix2pixFamily: FamilyDefinition<Pix2pixConfig> = {
  name: 'pix2pix',
  description: 'pix2pix (Isola et al. 2017): paired image-to-image translation, U-Net + PatchGAN',
  schema: pix2pixConfigSchema,
  presets: [pix2pixEdges],
  async build(config, log) {
    const { training } = config;
    const size = config.model.imageSize;
    const threshold = config.data.edgeThreshold;
    const train = await loadFashionSplit(config.data.dir, 'train');
    const test = await loadFashionSplit(config.data.dir, 'test');
    if (size < train.height || size < train.width) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `model.imageSize ${size} is smaller than the data: ${train.name} holds ${train.height}x${train.width} images, which pix2pix pads to model.imageSize`,
      );
    }
    log(`data: edge maps of ${train.name} (${train.count} images) padded to ${size}x${size}`);
    const data = edgesSource(
      datasetBatchSource(train, { batchSize: training.batchSize, seed: training.seed }),
      size,
      threshold,
    );
    const preview = await edgesSource(
      datasetBatchSource(test, { batchSize: PREVIEW_PAIRS, seed: training.seed }),
      size,
      threshold,
    ).next();
    try {
      const strategy = pix2pixStrategy({
        generator: unetGenerator({
          inputSize: size,
          inChannels: 1,
          outChannels: 1,
          baseFilters: config.model.generatorFilters,
          seed: training.seed,
        }),
        discriminator: patchganDiscriminator({
          inputSize: size,
          conditionChannels: 1,
          imageChannels: 1,
          baseFilters: config.model.discriminatorFilters,
          layers: config.model.discriminatorLayers,
          seed: training.seed + 1,
        }),
        l1Weight: config.l1Weight,
        loss: config.loss,
        optimizer: config.optimizer,
        preview,
      });
      const n = config.output.evalSamples ?? 10000;
      const evaluate = (trainer: Trainer) =>
        trainer.withSamplingNetwork(async (g) => ({
          imageMetrics: await translationMetrics(g, config, test, {
            n,
            seed: training.seed + 1,
            stats: config.output.evalReference,
            log,
          }),
        }));
      return { strategy, data, ...(n > 0 ? { evaluate } : {}) };
    } finally {
      tf.dispose([preview.inputs, preview.targets]);
    }
  },
  evaluate: async (generator, config, options) => ({
    imageMetrics: await translationMetrics(
      generator,
      config,
      await loadFashionSplit(config.data.dir, 'test'),
      {
        n: options.n,
        seed: options.seed ?? 1,
        stats: options.stats,
        features: options.features,
        log: options.log,
      },
    ),
  }),
};
