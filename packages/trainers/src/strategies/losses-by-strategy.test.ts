import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingKernels } from '@gankit/backend';
import { GanError, SeededRandom } from '@gankit/core';
import { gaussianMixture } from '@gankit/data';
import { type AdversarialLoss, type AdversarialLossName, listAdversarialLosses } from '@gankit/losses';
import {
  conditionalDiscriminator,
  conditionalGenerator,
  mlpDiscriminator,
  mlpGenerator,
  textConditionalDiscriminator,
  textConditionalGenerator,
} from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairedSyntheticSource, syntheticSource } from '../../test/synthetic.js';
import { pointsBatchSource } from '../data/points-source.js';
import type { BatchSource, Strategy } from '../engine/types.js';
import { adversarialStrategy, dcganStrategy } from './adversarial.js';
import { conditionalStrategy } from './conditional.js';
import { cycleGanStrategy, type UnpairedBatch } from './cyclegan.js';
import { latentRegularizedStrategy } from './latent-regularized.js';
import type { PairedBatch } from './paired.js';
import { pix2pixStrategy } from './pix2pix.js';
import { srganStrategy } from './srgan.js';
import { pairedNets } from './test-helpers.js';
import { type TextBatch, textToImageStrategy } from './text-to-image.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

type Loss = AdversarialLossName | AdversarialLoss;
interface Subject {
  // biome-ignore lint/suspicious/noExplicitAny: each strategy has its own batch type
  strategy: Strategy<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  data: BatchSource<any>;
}

/** A paired strategy built on the toy networks; the preview and unused networks are freed. */
function paired(
  scale: number,
  make: (nets: ReturnType<typeof pairedNets>, preview: PairedBatch) => Strategy<PairedBatch>,
  unused: (keyof ReturnType<typeof pairedNets>)[],
): Subject {
  const nets = pairedNets(1);
  const preview = pairedSyntheticSource([8, 8, 1], scale, 2).next();
  const strategy = make(nets, preview);
  tf.dispose([preview.inputs, preview.targets]);
  for (const name of unused) nets[name].dispose();
  return { strategy, data: pairedSyntheticSource([8, 8, 1], scale, 4) };
}

/** Seeded random images with one random caption embedding each, two labels apart. */
function textSource(textDim: number): BatchSource<TextBatch> {
  let drawn = 0;
  return {
    next: () => {
      const seed = 100 + drawn++;
      return {
        images: tf.randomUniform([4, 8, 8, 1], -1, 1, 'float32', seed) as tf.Tensor4D,
        embeddings: tf.randomNormal([4, textDim], 0, 1, 'float32', seed + 1) as tf.Tensor2D,
        labels: tf.tensor1d([0, 1, 0, 1], 'int32'),
      };
    },
    getState: () => drawn,
    setState: (state) => {
      drawn = state as number;
    },
  };
}

/** Seeded images of two 8x8 gray domains, drawn independently (CycleGAN's unpaired data). */
function unpairedSource(): { next(): UnpairedBatch } & BatchSource<UnpairedBatch> {
  let drawn = 0;
  return {
    next: () => {
      const seed = 200 + 2 * drawn++;
      return {
        a: tf.randomUniform([4, 8, 8, 1], -1, 1, 'float32', seed) as tf.Tensor4D,
        b: tf.randomUniform([4, 8, 8, 1], -1, 1, 'float32', seed + 1) as tf.Tensor4D,
      };
    },
    getState: () => drawn,
    setState: (state) => {
      drawn = state as number;
    },
  };
}

/** Every strategy that takes a `loss` option, at toy size, with its adversarial stage on. */
const strategies: Record<string, (loss: Loss) => Subject> = {
  adversarialStrategy: (loss) => ({
    strategy: adversarialStrategy({
      generator: mlpGenerator({ latentDim: 4, outputDim: 2, hidden: [8], seed: 1 }),
      discriminator: mlpDiscriminator({ inputDim: 2, hidden: [8], seed: 2 }),
      loss,
    }),
    data: pointsBatchSource(gaussianMixture({ kind: 'ring' }), { batchSize: 8 }),
  }),
  dcganStrategy: (loss) => ({
    strategy: dcganStrategy({
      imageSize: 8,
      channels: 1,
      latentDim: 4,
      generator: { baseWidth: 4 },
      discriminator: { baseWidth: 4 },
      loss,
      seed: 1,
    }),
    data: syntheticSource([8, 8, 1], 4),
  }),
  conditionalStrategy: (loss) => ({
    strategy: conditionalStrategy({
      generator: conditionalGenerator({
        imageSize: 8,
        channels: 1,
        numClasses: 3,
        latentDim: 4,
        embeddingDim: 2,
        baseWidth: 4,
        seed: 1,
      }),
      discriminator: conditionalDiscriminator({
        imageSize: 8,
        channels: 1,
        numClasses: 3,
        embeddingDim: 2,
        baseWidth: 4,
        seed: 2,
      }),
      numClasses: 3,
      loss,
    }),
    data: syntheticSource([8, 8, 1], 4, 3),
  }),
  srganStrategy: (loss) =>
    paired(
      2,
      (nets, preview) =>
        srganStrategy({
          generator: nets.generator,
          discriminator: nets.discriminator,
          pretrainSteps: 0,
          loss,
          preview,
        }),
      ['encoder', 'patch', 'translator'],
    ),
  latentRegularizedStrategy: (loss) =>
    paired(
      2,
      (nets, preview) =>
        latentRegularizedStrategy({
          generator: nets.generator,
          discriminator: nets.discriminator,
          encoder: nets.encoder,
          loss,
          preview,
        }),
      ['patch', 'translator'],
    ),
  textToImageStrategy: (loss) => {
    const net = { imageSize: 8, channels: 1, textDim: 6, compressedTextDim: 3, baseWidth: 4 };
    const preview = tf.randomNormal([2, 6], 0, 1, 'float32', 7) as tf.Tensor2D;
    const strategy = textToImageStrategy({
      generator: textConditionalGenerator({ ...net, latentDim: 4, seed: 1 }),
      discriminator: textConditionalDiscriminator({ ...net, seed: 2 }),
      mode: 'int-cls',
      loss,
      preview,
    });
    preview.dispose();
    return { strategy, data: textSource(6) };
  },
  pix2pixStrategy: (loss) =>
    paired(
      1,
      (nets, preview) =>
        pix2pixStrategy({
          generator: nets.translator,
          discriminator: nets.patch,
          loss,
          preview,
        }),
      ['generator', 'discriminator', 'encoder'],
    ),
  cycleGanStrategy: (loss) => {
    const [one, two] = [pairedNets(1), pairedNets(11)];
    const data = unpairedSource();
    for (const n of [one, two].flatMap((nets) => [nets.generator, nets.encoder, nets.patch])) n.dispose();
    const preview = data.next();
    try {
      const strategy = cycleGanStrategy({
        generatorAB: one.translator,
        generatorBA: two.translator,
        discriminatorA: one.discriminator,
        discriminatorB: two.discriminator,
        loss,
        preview,
      });
      return { strategy, data };
    } finally {
      tf.dispose([preview.a, preview.b]);
    }
  },
};

// every registered pair, including relativistic-average, whose G loss also needs D's real logits
describe.each(listAdversarialLosses())('adversarial loss %s', (loss) => {
  it.each(Object.keys(strategies))('trains one seeded step of %s: finite losses, no leaks', (name) => {
    const before = tf.memory().numTensors;
    const { strategy, data } = strategies[name]!(loss as AdversarialLossName);
    const batches = Array.from({ length: strategy.batchesPerStep() }, () => data.next());
    const losses = strategy.trainStep(batches, { step: 1, rng: new SeededRandom(3) });
    expect(losses.d_loss).toBeDefined();
    for (const [term, value] of Object.entries(losses)) {
      expect(Number.isFinite(value.dataSync()[0]), `${term} = ${value.dataSync()[0]}`).toBe(true);
    }
    tf.dispose([...Object.values(losses), ...batches.flatMap((b) => Object.values(b) as tf.Tensor[])]);
    strategy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a loss that is not a pair', () => {
  const broken = { name: 'broken', description: 'no generator loss' } as unknown as AdversarialLoss;
  it.each(Object.keys(strategies))('is refused by %s at construction, naming both', (name) => {
    let error: unknown;
    try {
      strategies[name]!(broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GanError);
    // DCGAN is the adversarial strategy with DCGAN networks, and says so
    const fn = name === 'dcganStrategy' ? 'adversarialStrategy' : name;
    expect((error as GanError).message).toMatch(new RegExp(`^${fn}: .*'broken'`));
  });
});
