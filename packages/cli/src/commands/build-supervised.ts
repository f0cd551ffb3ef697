import {
  bundledFashionMnistDir,
  bundledSuperResolutionDir,
  edgeMap,
  loadFashionMnist,
  loadImageFolder,
  patchganDiscriminator,
  srganDiscriminator,
  srresnetGenerator,
  superResolutionPairs,
  unetGenerator,
} from '@gankit/core';
import { cnnEncoder } from '@gankit/encoders';
import {
  type BatchSource,
  datasetBatchSource,
  latentRegularizedStrategy,
  type PairedBatch,
  pix2pixStrategy,
  type Strategy,
  srganStrategy,
} from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../config/schema.js';

type SupervisedConfig = Extract<TrainConfig, { family: 'srresnet' | 'srgan' | 'lsrgan' | 'pix2pix' }>;

/** Pairs shown in sample grids (rows of input, output, target). */
const PREVIEW_PAIRS = 4;

/** Fashion-MNIST images padded to `size` (background -1) as targets, their edge maps as inputs. */
function edgesSource(source: BatchSource, size: number, threshold: number): BatchSource<PairedBatch> {
  const pad = (images: tf.Tensor) => {
    const [, h, w] = images.shape as number[];
    const top = Math.floor((size - h!) / 2);
    const left = Math.floor((size - w!) / 2);
    return tf.pad(
      images as tf.Tensor4D,
      [
        [0, 0],
        [top, size - h! - top],
        [left, size - w! - left],
        [0, 0],
      ],
      -1,
    );
  };
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
 * The strategy and data of a supervised (paired) family: SRResNet, SRGAN and the
 * latent-space-regularized GAN on image crops, pix2pix on Fashion-MNIST edge maps.
 */
export async function buildSupervised(
  config: SupervisedConfig,
  log: (line: string) => void,
): Promise<{ strategy: Strategy<PairedBatch>; data: BatchSource<PairedBatch> }> {
  const { training } = config;
  const optimizer = config.optimizer;
  if (config.family === 'pix2pix') {
    const dir = config.data.dir === 'bundled' ? bundledFashionMnistDir() : config.data.dir;
    const train = await loadFashionMnist({ dir, split: 'train' });
    const test = await loadFashionMnist({ dir, split: 'test' });
    log(
      `data: edge maps of ${train.name} (${train.count} images) padded to ${config.model.imageSize}x${config.model.imageSize}`,
    );
    const size = config.model.imageSize;
    const threshold = config.data.edgeThreshold;
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
        optimizer,
        preview,
      });
      return { strategy, data };
    } finally {
      tf.dispose([preview.inputs, preview.targets]);
    }
  }

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
  }).next();
  const m = config.model;
  const generator = srresnetGenerator({
    scale,
    filters: m.filters,
    residualBlocks: m.residualBlocks,
    seed: training.seed,
  });
  try {
    if (config.family === 'srresnet') {
      return { strategy: srganStrategy({ generator, content: config.content, optimizer, preview }), data };
    }
    const discriminator = srganDiscriminator({
      inputSize: hrSize,
      baseFilters: config.model.discriminatorFilters,
      denseUnits: config.model.discriminatorDense,
      seed: training.seed + 1,
    });
    if (config.family === 'srgan') {
      const strategy = srganStrategy({
        generator,
        discriminator,
        content: config.content,
        adversarialWeight: config.adversarialWeight,
        totalVariationWeight: config.totalVariationWeight,
        pretrainSteps: config.pretrainSteps,
        loss: config.loss,
        optimizer,
        preview,
      });
      return { strategy, data };
    }
    const encoder = cnnEncoder({
      inputShape: [hrSize, hrSize, 3],
      targetShape: [hrSize / scale, hrSize / scale, 3],
      baseWidth: config.model.encoderWidth,
      seed: training.seed + 2,
    });
    const strategy = latentRegularizedStrategy({
      generator,
      discriminator,
      encoder: encoder.model,
      ...config.latent,
      loss: config.loss,
      optimizer,
      preview,
    });
    return { strategy, data };
  } finally {
    tf.dispose([preview.inputs, preview.targets]);
  }
}
