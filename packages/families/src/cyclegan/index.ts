import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import {
  BatchSampler,
  type BatchSamplerState,
  FASHION_MNIST_CLASS_NAMES,
  type FashionMnistDataset,
  loadImage,
  loadModel,
  makeDirectory,
  saveImage,
  saveImageGrid,
  saveModel,
  subsetImageDataset,
  toTensorBatch,
} from '@gankit/data';
import { loadFashionClassifier } from '@gankit/encoders';
import { patchganDiscriminator, unetGenerator } from '@gankit/models';
import {
  type BatchSource,
  type CycleGanStrategy,
  cycleGanStrategy,
  type UnpairedBatch,
} from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { commonConfigShape, nonNegative, positiveInt } from '../config.js';
import type { FamilyDefinition, Log } from '../family.js';
import { loadFashionSplit } from '../shared/fashion.js';
import { cropTo, padTo } from '../shared/frame.js';

/** The folder of a CycleGAN run that holds F: B -> A (the run's `generator/` is G: A -> B). */
export const REVERSE_GENERATOR_DIR = 'generator-ba';

const classIndex = z
  .number()
  .int()
  .min(0)
  .max(FASHION_MNIST_CLASS_NAMES.length - 1);

/** Config of the `cyclegan` family. @category Families */
export const cycleganConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('cyclegan'),
    data: z
      .object({
        dataset: z.literal('fashion-domains'),
        /** `bundled` or a folder with the Fashion-MNIST IDX files. */
        dir: z.string().min(1),
        /** The Fashion-MNIST class of domain A (X). */
        domainA: classIndex,
        /** The class of domain B (Y); its images are other images than A's, so the domains are unpaired. */
        domainB: classIndex,
      })
      .strict()
      .refine((d) => d.domainA !== d.domainB, { path: ['domainB'], message: 'must differ from domainA' }),
    model: z
      .object({
        /** Side of the frame the 28x28 images are centred in (a power of two for the U-Net). */
        imageSize: positiveInt,
        generatorFilters: positiveInt,
        discriminatorFilters: positiveInt,
        /** Stride-2 layers of the PatchGAN. */
        discriminatorLayers: positiveInt,
      })
      .strict(),
    /** lambda of the cycle term (Zhu et al.: 10). */
    cycleWeight: nonNegative,
    /** Weight of the identity term (Zhu et al.: 0.5 lambda); 0 turns it off. */
    identityWeight: nonNegative,
    /** Generated images each discriminator's history pool keeps (Zhu et al.: 50). */
    poolSize: z.number().int().min(0),
  })
  .strict();

/** A validated `cyclegan` config. @category Families */
export type CycleganConfig = z.infer<typeof cycleganConfigSchema>;

const sneakersBoots: CycleganConfig = {
  preset: 'cyclegan-sneakers-boots',
  family: 'cyclegan',
  description:
    'CycleGAN (Zhu et al. 2017): Fashion-MNIST sneakers <-> ankle boots from unpaired images, U-Nets and PatchGANs, LSGAN + cycle + identity',
  data: { dataset: 'fashion-domains', dir: 'bundled', domainA: 7, domainB: 9 },
  model: { imageSize: 32, generatorFilters: 16, discriminatorFilters: 16, discriminatorLayers: 2 },
  cycleWeight: 10,
  identityWeight: 5,
  poolSize: 50,
  loss: 'lsgan',
  discriminatorSteps: 1,
  optimizer: { learningRate: 2e-4, beta1: 0.5, beta2: 0.999 },
  training: { steps: 3000, batchSize: 8, seed: 0, decayStart: 1500 },
  output: { progressEvery: 100, sampleEvery: 500, checkpointEvery: 500, sampleCount: 24 },
  backend: 'auto',
};

/** The images of one class, in the split's order. */
function domainOf(split: FashionMnistDataset, label: number): FashionMnistDataset {
  const indices = Array.from(split.labels.keys()).filter((i) => split.labels[i] === label);
  if (indices.length < 2) {
    throw new GanError(
      'INVALID_DATA',
      `cyclegan: ${split.name} holds ${indices.length} images of class ${label} (${FASHION_MNIST_CLASS_NAMES[label]}); a domain needs at least 2`,
    );
  }
  return subsetImageDataset(split, indices) as FashionMnistDataset;
}

interface UnpairedState {
  a: BatchSamplerState;
  b: BatchSamplerState;
}

/** Batches of A and B images drawn independently (each domain shuffled on its own), padded to `size`. */
function unpairedSource(
  a: FashionMnistDataset,
  b: FashionMnistDataset,
  batchSize: number,
  size: number,
  seed: number,
): BatchSource<UnpairedBatch> {
  const sampleA = new BatchSampler({
    size: a.count,
    batchSize: Math.min(batchSize, a.count),
    seed,
    dropLast: true,
  });
  const sampleB = new BatchSampler({
    size: b.count,
    batchSize: Math.min(batchSize, b.count),
    seed: seed + 1,
    dropLast: true,
  });
  const draw = (domain: FashionMnistDataset, indices: ArrayLike<number>) =>
    tf.tidy(() => {
      const { images, labels } = toTensorBatch(domain, indices);
      labels.dispose();
      return padTo(images, size);
    });
  return {
    next: () => {
      const ia = sampleA.next();
      const ib = sampleB.next();
      const n = Math.min(ia.length, ib.length);
      return { a: draw(a, Array.from(ia).slice(0, n)), b: draw(b, Array.from(ib).slice(0, n)) };
    },
    getState: (): UnpairedState => ({ a: sampleA.getState(), b: sampleB.getState() }),
    setState: (state) => {
      sampleA.setState((state as UnpairedState).a);
      sampleB.setState((state as UnpairedState).b);
    },
  };
}

/** Share of classifier calls equal to `label`. */
async function shareClassifiedAs(images: tf.Tensor4D, label: number): Promise<number> {
  const classifier = await loadFashionClassifier();
  try {
    const predicted = classifier.predict(images);
    const values = await predicted.data();
    predicted.dispose();
    return Array.from(values).filter((v) => v === label).length / values.length;
  } finally {
    classifier.dispose();
  }
}

/**
 * The translation numbers of G and F on the test images of both domains: the share of G(x)
 * the shipped classifier assigns to B's class (and of F(y) to A's), with the share of the
 * untranslated inputs it already assigns there as the floor, and the cycle error
 * mean |F(G(x)) - x| (and |G(F(y)) - y|) in [-1, 1] units.
 */
async function translationScores(
  g: tfl.LayersModel,
  f: tfl.LayersModel,
  config: CycleganConfig,
  log: Log,
): Promise<Record<string, unknown>> {
  const test = await loadFashionSplit(config.data.dir, 'test');
  const { domainA, domainB } = config.data;
  const size = config.model.imageSize;
  const result: Record<string, unknown> = {};
  for (const [name, from, to, there, back] of [
    ['a2b', domainA, domainB, g, f],
    ['b2a', domainB, domainA, f, g],
  ] as const) {
    const domain = domainOf(test, from);
    const { images, labels } = toTensorBatch(domain);
    labels.dispose();
    const [translated, cycled] = tf.tidy(() => {
      const x = padTo(images, size);
      const y = there.predict(x) as tf.Tensor4D;
      return [
        cropTo(y, test.height, test.width),
        cropTo(back.predict(y) as tf.Tensor4D, test.height, test.width),
      ];
    });
    const error = tf.tidy(() => tf.mean(tf.abs(tf.sub(cycled!, images))));
    const scores = {
      images: domain.count,
      classifiedAsTarget: await shareClassifiedAs(translated!, to),
      inputsClassifiedAsTarget: await shareClassifiedAs(images, to),
      cycleError: (await error.data())[0]!,
    };
    tf.dispose([images, translated!, cycled!, error]);
    log(
      `${name} (${FASHION_MNIST_CLASS_NAMES[from]} -> ${FASHION_MNIST_CLASS_NAMES[to]}, ${scores.images} test images): ${(100 * scores.classifiedAsTarget).toFixed(1)}% classified as ${FASHION_MNIST_CLASS_NAMES[to]} (inputs: ${(100 * scores.inputsClassifiedAsTarget).toFixed(1)}%), cycle error ${scores.cycleError.toFixed(3)}`,
    );
    result[name] = scores;
  }
  return { translation: result };
}

/** Loads F: B -> A of a two-domain run (cyclegan, voice-conversion). */
export async function loadReverse(runDir: string, fn: string): Promise<tfl.LayersModel> {
  const dir = path.join(runDir, REVERSE_GENERATOR_DIR);
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new GanError(
      'IO_ERROR',
      `${fn}: ${runDir} has no ${REVERSE_GENERATOR_DIR}/model.json (F: B -> A); train it first`,
    );
  }
  return loadModel(dir);
}

/**
 * CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
 * Adversarial Networks"): two translators G: A -> B and F: B -> A and two PatchGAN
 * discriminators, trained on unpaired images of two domains (here two Fashion-MNIST classes)
 * with LSGAN terms, the cycle loss and the identity loss. The run's `generator/` is G and
 * `generator-ba/` is F; `gankit translate` applies either.
 * @category Families
 */
export const cycleganFamily: FamilyDefinition<CycleganConfig> = {
  name: 'cyclegan',
  description: 'CycleGAN (Zhu et al. 2017): unpaired translation between two domains, cycle-consistent',
  schema: cycleganConfigSchema,
  presets: [sneakersBoots],
  sampleCount: 8,
  async build(config, log) {
    const { training, model: m } = config;
    const train = await loadFashionSplit(config.data.dir, 'train');
    const test = await loadFashionSplit(config.data.dir, 'test');
    if (m.imageSize < train.height || m.imageSize < train.width) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `model.imageSize ${m.imageSize} is smaller than the data: ${train.name} holds ${train.height}x${train.width} images, which cyclegan pads to model.imageSize`,
      );
    }
    const a = domainOf(train, config.data.domainA);
    const b = domainOf(train, config.data.domainB);
    log(
      `data: ${a.count} ${FASHION_MNIST_CLASS_NAMES[config.data.domainA]} (A) and ${b.count} ${FASHION_MNIST_CLASS_NAMES[config.data.domainB]} (B) images of ${train.name}, unpaired, padded to ${m.imageSize}x${m.imageSize}`,
    );
    const translator = (seed: number) =>
      unetGenerator({
        inputSize: m.imageSize,
        inChannels: train.channels,
        outChannels: train.channels,
        baseFilters: m.generatorFilters,
        dropout: 0,
        seed,
      });
    const critic = (seed: number) =>
      patchganDiscriminator({
        inputSize: m.imageSize,
        conditionChannels: 0,
        imageChannels: train.channels,
        baseFilters: m.discriminatorFilters,
        layers: m.discriminatorLayers,
        seed,
      });
    const previewSource = unpairedSource(
      domainOf(test, config.data.domainA),
      domainOf(test, config.data.domainB),
      4,
      m.imageSize,
      training.seed,
    );
    const preview = previewSource.next() as UnpairedBatch;
    let strategy: CycleGanStrategy;
    try {
      strategy = cycleGanStrategy({
        generatorAB: translator(training.seed),
        generatorBA: translator(training.seed + 1),
        discriminatorA: critic(training.seed + 2),
        discriminatorB: critic(training.seed + 3),
        cycleWeight: config.cycleWeight,
        identityWeight: config.identityWeight,
        poolSize: config.poolSize,
        loss: config.loss,
        optimizer: config.optimizer,
        preview,
      });
    } finally {
      tf.dispose([preview.a, preview.b]);
    }
    const reverse = strategy.networks.generatorBA!;
    return {
      strategy,
      data: unpairedSource(a, b, training.batchSize, m.imageSize, training.seed),
      exportNetworks: (_trainer, runDir) => saveModel(reverse, path.join(runDir, REVERSE_GENERATOR_DIR)),
      evaluate: (trainer) => trainer.withSamplingNetwork((g) => translationScores(g, reverse, config, log)),
    };
  },
  async evaluate(generator, config, options) {
    const f = await loadReverse(options.runDir ?? '.', 'eval');
    try {
      return await translationScores(generator, f, config, options.log);
    } finally {
      f.dispose();
    }
  },
  async sample(generator, config, { n, seed, out, runDir }) {
    // rows of x, G(x), F(G(x)), y, F(y), G(F(y)) for n test images of each domain
    const f = await loadReverse(runDir ?? '.', 'sample');
    const test = await loadFashionSplit(config.data.dir, 'test');
    const size = config.model.imageSize;
    const pick = (label: number, offset: number) => {
      const domain = domainOf(test, label);
      const count = Math.min(n, domain.count);
      return toTensorBatch(
        domain,
        Array.from({ length: count }, (_, i) => (seed * 7 + offset + i) % domain.count),
      );
    };
    const a = pick(config.data.domainA, 0);
    const b = pick(config.data.domainB, 0);
    try {
      const grid = tf.tidy(() => {
        const rows = Math.min(a.images.shape[0], b.images.shape[0]);
        const x = padTo(tf.slice(a.images, 0, rows), size);
        const y = padTo(tf.slice(b.images, 0, rows), size);
        const gx = generator.predict(x) as tf.Tensor4D;
        const fy = f.predict(y) as tf.Tensor4D;
        const columns = [x, gx, f.predict(gx) as tf.Tensor4D, y, fy, generator.predict(fy) as tf.Tensor4D];
        return tf.reshape(tf.stack(columns, 1), [rows * 6, size, size, test.channels]) as tf.Tensor4D;
      });
      await saveImageGrid(grid, out, { scale: 2, cols: 6 });
      grid.dispose();
    } finally {
      tf.dispose([a.images, a.labels, b.images, b.labels]);
      f.dispose();
    }
  },
  async translate(generator, config, { inputs, direction, out, runDir }) {
    const net = direction === 'a2b' ? generator : await loadReverse(runDir, 'translate');
    const size = config.model.imageSize;
    const written: string[] = [];
    try {
      await makeDirectory(out);
      for (const file of inputs) {
        const image = await loadImage(file, { channels: 1, fit: { width: 28, height: 28 } });
        const result = tf.tidy(() => {
          const x = tf.sub(
            tf.div(tf.tensor4d(image.data, [1, 28, 28, 1], 'float32'), 127.5),
            1,
          ) as tf.Tensor4D;
          const y = cropTo(net.predict(padTo(x, size)) as tf.Tensor4D, 28, 28);
          return tf.squeeze(y, [0]) as tf.Tensor3D;
        });
        const target = path.join(out, `${path.basename(file).replace(/\.[^.]+$/, '')}.${direction}.png`);
        await saveImage(result, target);
        result.dispose();
        written.push(target);
      }
    } finally {
      if (net !== generator) net.dispose();
    }
    return written;
  },
};
