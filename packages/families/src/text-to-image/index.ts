import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { loadImage, loadModel, saveImageGrid, saveModel } from '@gankit/data';
import { styleEncoder, textConditionalDiscriminator, textConditionalGenerator } from '@gankit/models';
import { type TextToImageStrategy, textToImageStrategy } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { commonConfigShape, positiveInt } from '../config.js';
import { imageModelShape } from '../dcgan/index.js';
import type { FamilyDefinition } from '../family.js';
import { assertModelFitsData } from '../shared/fashion.js';
import { latentBatch, latentDimOf } from '../shared/sampling.js';
import {
  captionBatchSource,
  checkCaptions,
  embedTrainingCaptions,
  frozenTextEncoder,
  loadCaptionedData,
  loadRunTextEncoder,
  saveRunTextEncoder,
  TEXT_ENCODER_DIR,
} from './captions.js';
import { INTERPOLATION_STEPS, interpolationGrid, measureTextToImage } from './measure.js';

/** The folder of a text-to-image run that holds its style encoder S. */
export const STYLE_ENCODER_DIR = 'style-encoder';

/** The captions of the training grids: one row per class, each in a colour training has for it. @category Families */
export const PREVIEW_CAPTIONS: readonly string[] = Object.freeze([
  'a red t-shirt',
  'a blue pair of trousers',
  'a green pullover',
  'a yellow dress',
  'a purple coat',
  'an orange sandal',
  'a pink shirt',
  'a teal sneaker',
  'a brown bag',
  'a white ankle boot',
]);

/** Config of the `text-to-image` family. @category Families */
export const textToImageConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('text-to-image'),
    data: z
      .object({
        dataset: z.literal('captioned-fashion'),
        /** `bundled`, a Fashion-MNIST IDX folder (tinted and captioned with `seed`), or a folder made by make-captioned-fashion.ts. */
        dir: z.string().min(1),
        /** Seed of the tints and captions made from grey Fashion-MNIST. */
        seed: z.number().int().min(0),
        /** Only the first N images of each split (grey Fashion-MNIST only; quick looks and tests). */
        limit: positiveInt.optional(),
      })
      .strict(),
    model: z
      .object({
        ...imageModelShape,
        /** Size the text embedding is compressed to in G and D (Reed et al.: 128 of 1024). */
        compressedTextDim: positiveInt,
        discriminatorBatchNorm: z.boolean(),
        /** Width of the style encoder S's first conv; omit for no style encoder. */
        styleEncoderWidth: positiveInt.optional(),
      })
      .strict(),
    /** The char-CNN-RNN caption encoder: pre-trained on matching pairs before the GAN, then frozen. */
    textEncoder: z
      .object({
        /** A saved encoder (another run's `text-encoder/` folder) instead of pre-training one. */
        from: z.string().min(1).optional(),
        embeddingDim: positiveInt,
        charEmbeddingDim: positiveInt,
        convFilters: z.array(positiveInt).min(1),
        gruUnits: positiveInt,
        /** What the projection reads: the GRU's last state or its states' mean over the caption (Reed et al.). */
        pooling: z.enum(['last', 'mean']),
        /** Longest caption in characters. */
        maxLength: positiveInt,
        /** Width of the CNN image encoder it is pre-trained against. */
        imageEncoderWidth: positiveInt,
        steps: positiveInt,
        batchSize: z.number().int().min(2),
        learningRate: z.number().gt(0),
      })
      .strict(),
    strategy: z
      .object({
        /** `cls`: GAN-CLS; `int`: GAN-INT; `int-cls`: both. */
        mode: z.enum(['cls', 'int', 'int-cls']),
        /** GAN-INT's beta of `beta t1 + (1 - beta) t2`. */
        interpolationBeta: z.number().min(0).max(1),
      })
      .strict(),
  })
  .strict();

/** A validated `text-to-image` config. @category Families */
export type TextToImageConfig = z.infer<typeof textToImageConfigSchema>;

const ganIntClsFashion: TextToImageConfig = {
  preset: 'ganintcls-fashion',
  family: 'text-to-image',
  description:
    'GAN-INT-CLS (Reed et al. 2016) on captioned colour Fashion-MNIST: matching-aware D, interpolated captions, style encoder',
  data: { dataset: 'captioned-fashion', dir: 'bundled', seed: 2016 },
  model: {
    imageSize: 28,
    channels: 3,
    latentDim: 100,
    generatorWidth: 32,
    discriminatorWidth: 32,
    compressedTextDim: 128,
    discriminatorBatchNorm: true,
    styleEncoderWidth: 32,
  },
  textEncoder: {
    embeddingDim: 64,
    charEmbeddingDim: 32,
    convFilters: [64, 64],
    gruUnits: 64,
    pooling: 'mean',
    maxLength: 48,
    imageEncoderWidth: 16,
    steps: 2000,
    batchSize: 64,
    learningRate: 2e-3,
  },
  strategy: { mode: 'int-cls', interpolationBeta: 0.5 },
  loss: 'non-saturating',
  discriminatorSteps: 1,
  optimizer: { learningRate: 5e-4, beta1: 0.5, beta2: 0.999 },
  training: { steps: 4000, batchSize: 16, seed: 0 },
  output: { progressEvery: 100, sampleEvery: 500, checkpointEvery: 500, sampleCount: 80 },
  emaDecay: 0.995,
  backend: 'auto',
};

const ganClsFashion: TextToImageConfig = {
  ...ganIntClsFashion,
  preset: 'gancls-fashion',
  description:
    'GAN-CLS (Reed et al. 2016) on captioned colour Fashion-MNIST: matching-aware D, style encoder',
  strategy: { ...ganIntClsFashion.strategy, mode: 'cls' },
};

/** Reads a run's style encoder, or says how to get one. */
async function loadStyleEncoder(runDir: string): Promise<tfl.LayersModel> {
  const dir = path.join(runDir, STYLE_ENCODER_DIR);
  try {
    return await loadModel(dir);
  } catch (e) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `sample: --style-from needs the run's style encoder (${dir}/model.json), which cannot be read: ${(e as Error).message.split('\n')[0]}; train with model.styleEncoderWidth set`,
      { cause: e },
    );
  }
}

/** An image file as a [1, size, size, channels] tensor in [-1, 1], resized to the model's size (aspect kept). */
async function styleImage(file: string, size: number, channels: number): Promise<tf.Tensor4D> {
  const image = await loadImage(file, { channels: channels as 1 | 3, fit: { width: size, height: size } });
  return tf.tidy(
    () =>
      tf.sub(
        tf.div(tf.tensor4d(image.data, [1, size, size, image.channels], 'float32'), 127.5),
        1,
      ) as tf.Tensor4D,
  );
}

/**
 * Text-to-image synthesis of Reed et al. 2016 ("Generative Adversarial Text to Image
 * Synthesis"): a char-CNN-RNN caption encoder pre-trained on matching (image, caption) pairs
 * and frozen; G(z, t) and a matching-aware D(x, t) (GAN-CLS), interpolated captions (GAN-INT)
 * or both; a style encoder S for style transfer. Trains on captioned colour Fashion-MNIST, made
 * from the bundled grey images; runs end with class and colour fidelity on held-out phrasings.
 * @category Families
 */
export const textToImageFamily: FamilyDefinition<TextToImageConfig> = {
  name: 'text-to-image',
  description: 'GAN-CLS / GAN-INT / GAN-INT-CLS (Reed et al. 2016): images from captions, style transfer',
  schema: textToImageConfigSchema,
  presets: [ganClsFashion, ganIntClsFashion],
  textConditional: true,
  sampleCount: 8,
  async build(config, log, context = {}) {
    const { training, model: m } = config;
    const data = await loadCaptionedData(config.data.dir, config.data.seed, log, config.data.limit);
    assertModelFitsData(m, data.train);
    const text = await frozenTextEncoder(config.textEncoder, data, training.seed, context.runDir, log);
    const embeddings = embedTrainingCaptions(text.encoder, data.train);
    const preview = text.encoder.encodeText(PREVIEW_CAPTIONS);
    const net = {
      imageSize: m.imageSize,
      channels: m.channels,
      textDim: config.textEncoder.embeddingDim,
      compressedTextDim: m.compressedTextDim,
    };
    const source = captionBatchSource(data.train, embeddings, training.batchSize, training.seed);
    const strategy: TextToImageStrategy = textToImageStrategy({
      mode: config.strategy.mode,
      interpolationBeta: config.strategy.interpolationBeta,
      loss: config.loss,
      discriminatorSteps: config.discriminatorSteps,
      optimizer: config.optimizer,
      ...(config.regularizer ? { regularizer: config.regularizer } : {}),
      generator: textConditionalGenerator({
        ...net,
        latentDim: m.latentDim,
        baseWidth: m.generatorWidth,
        seed: training.seed,
      }),
      discriminator: textConditionalDiscriminator({
        ...net,
        baseWidth: m.discriminatorWidth,
        batchNorm: m.discriminatorBatchNorm,
        seed: training.seed + 1,
      }),
      ...(m.styleEncoderWidth
        ? {
            styleEncoder: styleEncoder({
              imageSize: m.imageSize,
              channels: m.channels,
              latentDim: m.latentDim,
              baseWidth: m.styleEncoderWidth,
              seed: training.seed + 2,
            }),
          }
        : {}),
      preview,
    });
    preview.dispose();
    const dispose = strategy.dispose.bind(strategy);
    strategy.dispose = () => {
      dispose();
      source.dispose();
      text.encoder.model.dispose();
    };
    return {
      strategy,
      data: source,
      saveDerived: (runDir) => saveRunTextEncoder(text.encoder, runDir),
      async exportNetworks(_trainer, runDir) {
        if (strategy.styleEncoder)
          await saveModel(strategy.styleEncoder, path.join(runDir, STYLE_ENCODER_DIR));
      },
      evaluate: (trainer) =>
        trainer.withSamplingNetwork(async (generator) => ({
          ...(text.retrieval ? { textEncoderRetrieval: text.retrieval } : {}),
          ...(await measureTextToImage(generator, strategy.styleEncoder, text.encoder, data.test, {
            seed: training.seed + 1,
            ...(config.output.evalSamples === undefined ? {} : { count: config.output.evalSamples }),
            log,
          })),
        })),
    };
  },
  async evaluate(generator, config, options) {
    const runDir = options.runDir ?? '.';
    const data = await loadCaptionedData(config.data.dir, config.data.seed, () => {}, config.data.limit);
    const encoder = await loadRunTextEncoder(path.join(runDir, TEXT_ENCODER_DIR), 'eval');
    const style = config.model.styleEncoderWidth ? await loadStyleEncoder(runDir) : null;
    try {
      return await measureTextToImage(generator, style, encoder, data.test, {
        seed: options.seed ?? 1,
        ...(options.n === undefined ? {} : { count: options.n }),
        log: options.log,
      });
    } finally {
      encoder.model.dispose();
      style?.dispose();
    }
  },
  async sample(generator, config, options) {
    const { n, seed, out } = options;
    const runDir = options.runDir ?? '.';
    if (options.interpolate && (options.texts || options.styleFrom)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        'sample: --interpolate draws its own rows; leave out --text and --style-from',
      );
    }
    const texts = options.interpolate ?? options.texts ?? PREVIEW_CAPTIONS;
    const encoder = await loadRunTextEncoder(path.join(runDir, TEXT_ENCODER_DIR), 'sample');
    let style: tfl.LayersModel | null = null;
    const tensors: tf.Tensor[] = [];
    try {
      checkCaptions('sample', texts, encoder.tokenizer.maxLength);
      const text = encoder.encodeText(texts.map((t) => t.toLowerCase()));
      tensors.push(text);
      let images: tf.Tensor4D;
      let cols: number;
      if (options.interpolate) {
        images = interpolationGrid(generator, text, n, seed);
        cols = INTERPOLATION_STEPS;
      } else if (options.styleFrom) {
        // one row: the style image, then G(S(x), t) for every caption
        style = await loadStyleEncoder(runDir);
        const x = await styleImage(options.styleFrom, config.model.imageSize, config.model.channels);
        tensors.push(x);
        const model = style;
        images = tf.tidy(() => {
          const z = tf.tile(model.predict(x) as tf.Tensor, [texts.length, 1]);
          return tf.concat([x, generator.predict([z, text]) as tf.Tensor4D]) as tf.Tensor4D;
        });
        cols = texts.length + 1;
      } else {
        // one row per caption, n samples each
        images = tf.tidy(() => {
          const rows = tf.tensor1d(
            Array.from({ length: texts.length * n }, (_, i) => Math.floor(i / n)),
            'int32',
          );
          const z = latentBatch(texts.length * n, latentDimOf(generator), seed);
          return generator.predict([z, tf.gather(text, rows)]) as tf.Tensor4D;
        });
        cols = n;
      }
      tensors.push(images);
      await saveImageGrid(images, out, { scale: 2, cols });
    } finally {
      tf.dispose(tensors);
      style?.dispose();
      encoder.model.dispose();
    }
  },
};
