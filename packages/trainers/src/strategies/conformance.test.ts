import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { gaussianMixture } from '@gankit/data';
import { cnnEncoder } from '@gankit/encoders';
import {
  conditionalDiscriminator,
  conditionalGenerator,
  lapganCoarseDiscriminator,
  lapganCoarseGenerator,
  lapganLevelDiscriminator,
  lapganLevelGenerator,
  mlpDiscriminator,
  mlpGenerator,
  styleEncoder,
  textConditionalDiscriminator,
  textConditionalGenerator,
} from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairedSyntheticSource, syntheticSource } from '../../test/synthetic.js';
import { pointsBatchSource } from '../data/points-source.js';
import { Trainer } from '../engine/trainer.js';
import type { BatchSource, Strategy } from '../engine/types.js';
import { adversarialStrategy, dcganStrategy } from './adversarial.js';
import { conditionalStrategy, gridLabels } from './conditional.js';
import { cycleGanStrategy, type UnpairedBatch } from './cyclegan.js';
import { lapganStrategy } from './lapgan.js';
import { latentRegularizedStrategy } from './latent-regularized.js';
import type { PairedBatch } from './paired.js';
import { pix2pixStrategy } from './pix2pix.js';
import { srganStrategy } from './srgan.js';
import { pairedNets } from './test-helpers.js';
import { type TextBatch, type TextToImageMode, textToImageStrategy } from './text-to-image.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-conformance-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

interface Family {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each family has its own batch type
  make(seed: number): Strategy<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  data(): BatchSource<any>;
  sampleShape: number[];
}

const previewOf = (source: { next(): PairedBatch }): PairedBatch => source.next();

/** Seeded stand-in text-to-image data: images, 4-value caption embeddings and 3 caption ids, resumable. */
function textSyntheticSource(batchSize: number): BatchSource<TextBatch> {
  let i = 0;
  return {
    next: () => {
      i++;
      return tf.tidy(() => ({
        images: tf.tanh(tf.randomNormal([batchSize, 8, 8, 1], 0, 1, 'float32', 3000 + i)) as tf.Tensor4D,
        embeddings: tf.randomNormal([batchSize, 4], 0, 1, 'float32', 4000 + i) as tf.Tensor2D,
        labels: tf.tensor1d(
          Array.from({ length: batchSize }, (_, k) => (k + i) % 3),
          'int32',
        ),
      }));
    },
    getState: () => i,
    setState: (state) => {
      i = state as number;
    },
  };
}

/** Seeded unpaired stand-in data: independent 8x8 gray images of two domains, resumable. */
function unpairedSyntheticSource(batchSize: number): { next(): UnpairedBatch } & BatchSource<UnpairedBatch> {
  let i = 0;
  return {
    next: () => {
      i++;
      return tf.tidy(() => ({
        a: tf.tanh(tf.randomNormal([batchSize, 8, 8, 1], 0, 1, 'float32', 5000 + i)) as tf.Tensor4D,
        b: tf.tanh(tf.randomNormal([batchSize, 8, 8, 1], 0.5, 1, 'float32', 6000 + i)) as tf.Tensor4D,
      }));
    },
    getState: () => i,
    setState: (state) => {
      i = state as number;
    },
  };
}

/** Every strategy passes the same checks: these are the shipped families at toy size. */
const families: Family[] = [
  {
    name: 'dcgan',
    make: (seed) =>
      dcganStrategy({
        imageSize: 8,
        channels: 1,
        latentDim: 4,
        generator: { baseWidth: 4 },
        discriminator: { baseWidth: 4 },
        seed,
      }),
    data: () => syntheticSource([8, 8, 1], 4),
    sampleShape: [3, 8, 8, 1],
  },
  {
    name: 'vanilla gan (minimax, k = 2)',
    make: (seed) =>
      adversarialStrategy({
        generator: mlpGenerator({ latentDim: 4, outputDim: 2, hidden: [8], seed }),
        discriminator: mlpDiscriminator({ inputDim: 2, hidden: [8], seed: seed + 1 }),
        loss: 'minimax',
        discriminatorSteps: 2,
      }),
    data: () => pointsBatchSource(gaussianMixture({ kind: 'ring' }), { batchSize: 8 }),
    sampleShape: [3, 2],
  },
  {
    name: 'pacgan (non-saturating, packing 2, image D)',
    make: (seed) =>
      dcganStrategy({
        imageSize: 8,
        channels: 1,
        latentDim: 4,
        generator: { baseWidth: 4 },
        discriminator: { baseWidth: 4 },
        packing: 2,
        seed,
      }),
    data: () => syntheticSource([8, 8, 1], 4),
    sampleShape: [3, 8, 8, 1],
  },
  {
    name: 'relativistic average (mlp)',
    make: (seed) =>
      adversarialStrategy({
        generator: mlpGenerator({ latentDim: 4, outputDim: 2, hidden: [8], seed }),
        discriminator: mlpDiscriminator({ inputDim: 2, hidden: [8], seed: seed + 1 }),
        loss: 'relativistic-average',
      }),
    data: () => pointsBatchSource(gaussianMixture({ kind: 'ring' }), { batchSize: 8 }),
    sampleShape: [3, 2],
  },
  {
    name: 'wgan-gp (mlp critic, n_critic 5)',
    make: (seed) =>
      adversarialStrategy({
        generator: mlpGenerator({ latentDim: 4, outputDim: 2, hidden: [8], seed }),
        discriminator: mlpDiscriminator({ inputDim: 2, hidden: [8], seed: seed + 1 }),
        loss: 'wasserstein',
        regularizer: { kind: 'gradient-penalty', weight: 10 },
        discriminatorSteps: 5,
        optimizer: { learningRate: 1e-4, beta1: 0, beta2: 0.9 },
      }),
    data: () => pointsBatchSource(gaussianMixture({ kind: 'ring' }), { batchSize: 8 }),
    sampleShape: [3, 2],
  },
  {
    name: 'hinge + spectral norm (dcgan)',
    make: (seed) =>
      dcganStrategy({
        imageSize: 8,
        channels: 1,
        latentDim: 4,
        generator: { baseWidth: 4 },
        discriminator: { baseWidth: 4, spectralNorm: true },
        loss: 'hinge',
        seed,
      }),
    data: () => syntheticSource([8, 8, 1], 4),
    sampleShape: [3, 8, 8, 1],
  },
  {
    name: 'dcgan with R1',
    make: (seed) =>
      dcganStrategy({
        imageSize: 8,
        channels: 1,
        latentDim: 4,
        generator: { baseWidth: 4 },
        discriminator: { baseWidth: 4 },
        regularizer: { kind: 'r1', gamma: 1 },
        seed,
      }),
    data: () => syntheticSource([8, 8, 1], 4),
    sampleShape: [3, 8, 8, 1],
  },
  ...(
    [
      ['concat', undefined],
      ['projection', undefined],
      ['projection', { kind: 'gradient-penalty', weight: 10 }],
    ] as const
  ).map(([conditioning, regularizer]) => ({
    name: `conditional gan (${conditioning}${regularizer ? ', wgan-gp' : ''})`,
    make: (seed: number) =>
      conditionalStrategy({
        generator: conditionalGenerator({
          imageSize: 8,
          channels: 1,
          numClasses: 3,
          latentDim: 4,
          embeddingDim: 2,
          baseWidth: 4,
          seed,
        }),
        discriminator: conditionalDiscriminator({
          imageSize: 8,
          channels: 1,
          numClasses: 3,
          conditioning,
          embeddingDim: 2,
          baseWidth: 4,
          batchNorm: !regularizer,
          seed: seed + 1,
        }),
        numClasses: 3,
        ...(regularizer ? { loss: 'wasserstein' as const, regularizer } : {}),
      }),
    data: () => syntheticSource([8, 8, 1], 4, 3),
    sampleShape: [3, 8, 8, 1],
  })),
  ...(['srresnet', 'srgan (pretrain 1 step, tv)'] as const).map((name) => ({
    name,
    make: (seed: number) => {
      const nets = pairedNets(seed);
      const preview = previewOf(pairedSyntheticSource([8, 8, 1], 2, 2));
      const s = srganStrategy({
        generator: nets.generator,
        ...(name === 'srresnet' ? {} : { discriminator: nets.discriminator, pretrainSteps: 1 }),
        totalVariationWeight: name === 'srresnet' ? 0 : 1e-3,
        preview,
      });
      tf.dispose([preview.inputs, preview.targets]);
      for (const n of [
        nets.encoder,
        nets.patch,
        nets.translator,
        ...(name === 'srresnet' ? [nets.discriminator] : []),
      ])
        n.dispose();
      return s;
    },
    data: () => pairedSyntheticSource([8, 8, 1], 2, 4),
    sampleShape: [3, 8, 8, 1],
  })),
  {
    name: 'latent-regularized',
    make: (seed: number) => {
      const nets = pairedNets(seed);
      const preview = previewOf(pairedSyntheticSource([8, 8, 1], 2, 2));
      const s = latentRegularizedStrategy({ ...nets, preview, latentWeight: 0.5 });
      tf.dispose([preview.inputs, preview.targets]);
      nets.patch.dispose();
      nets.translator.dispose();
      return s;
    },
    data: () => pairedSyntheticSource([8, 8, 1], 2, 4),
    sampleShape: [3, 8, 8, 1],
  },
  {
    // a fixed feature network as E: no encoder optimizer, E checkpointed all the same
    name: 'latent-regularized (frozen cnnEncoder)',
    make: (seed: number) => {
      const nets = pairedNets(seed);
      const preview = previewOf(pairedSyntheticSource([8, 8, 1], 2, 2));
      const encoder = cnnEncoder({ inputShape: [8, 8, 1], targetShape: [4, 4, 1], baseWidth: 2, seed });
      encoder.setTrainable(false);
      const s = latentRegularizedStrategy({ ...nets, encoder, preview, latentWeight: 0.5 });
      tf.dispose([preview.inputs, preview.targets]);
      for (const n of [nets.encoder, nets.patch, nets.translator]) n.dispose();
      return s;
    },
    data: () => pairedSyntheticSource([8, 8, 1], 2, 4),
    sampleShape: [3, 8, 8, 1],
  },
  ...([undefined, 3] as const).map((numClasses) => ({
    name: `lapgan (3 levels${numClasses ? ', conditional' : ''})`,
    make: (seed: number) => {
      const c = numClasses ? { numClasses } : {};
      return lapganStrategy({
        levels: [
          {
            generator: lapganCoarseGenerator({
              size: 4,
              channels: 1,
              latentDim: 4,
              hidden: [8],
              name: 'g0',
              seed,
              ...c,
            }),
            discriminator: lapganCoarseDiscriminator({
              size: 4,
              channels: 1,
              hidden: [8],
              name: 'd0',
              seed: seed + 1,
              ...c,
            }),
          },
          ...[8, 16].map((size, i) => ({
            generator: lapganLevelGenerator({
              size,
              channels: 1,
              width: 2,
              name: `g${i + 1}`,
              seed: seed + 2 * i + 2,
              ...c,
            }),
            discriminator: lapganLevelDiscriminator({
              size,
              channels: 1,
              width: 2,
              name: `d${i + 1}`,
              seed: seed + 2 * i + 3,
              ...c,
            }),
          })),
        ],
        crop: 2,
        ...c,
      });
    },
    data: () => syntheticSource([16, 16, 1], 4, numClasses ?? 0),
    sampleShape: [3, 12, 12, 1],
  })),
  ...(
    [
      ['cls', false, undefined],
      ['int', false, undefined],
      ['int-cls', true, undefined],
      ['int-cls', false, { kind: 'gradient-penalty', weight: 10 }],
    ] as const
  ).map(([mode, withStyle, regularizer]) => ({
    name: `gan-${mode}${withStyle ? ' (style encoder)' : ''}${regularizer ? ' (wgan-gp)' : ''}`,
    make: (seed: number) => {
      const net = { imageSize: 8, channels: 1, textDim: 4, compressedTextDim: 3, baseWidth: 4 };
      const preview = tf.randomNormal([3, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
      const s = textToImageStrategy({
        generator: textConditionalGenerator({ ...net, latentDim: 4, seed }),
        discriminator: textConditionalDiscriminator({ ...net, batchNorm: !regularizer, seed: seed + 1 }),
        ...(withStyle
          ? {
              styleEncoder: styleEncoder({
                imageSize: 8,
                channels: 1,
                latentDim: 4,
                baseWidth: 2,
                seed: seed + 2,
              }),
            }
          : {}),
        ...(regularizer ? { loss: 'wasserstein' as const, regularizer } : {}),
        mode: mode as TextToImageMode,
        preview,
      });
      preview.dispose();
      return s;
    },
    data: () => textSyntheticSource(4),
    sampleShape: [3, 8, 8, 1],
  })),
  {
    name: 'pix2pix',
    make: (seed: number) => {
      const nets = pairedNets(seed);
      const preview = previewOf(pairedSyntheticSource([8, 8, 1], 1, 2));
      const s = pix2pixStrategy({ generator: nets.translator, discriminator: nets.patch, preview });
      tf.dispose([preview.inputs, preview.targets]);
      for (const n of [nets.generator, nets.discriminator, nets.encoder]) n.dispose();
      return s;
    },
    data: () => pairedSyntheticSource([8, 8, 1], 1, 4),
    sampleShape: [3, 8, 8, 1],
  },
  {
    // pools of 6 with batches of 4: full after two steps, so the resumed steps draw from them
    name: 'cyclegan (pools of 6)',
    make: (seed: number) => {
      const [one, two] = [pairedNets(seed), pairedNets(seed + 10)];
      const preview = unpairedSyntheticSource(1).next();
      const s = cycleGanStrategy({
        generatorAB: one.translator,
        generatorBA: two.translator,
        discriminatorA: one.discriminator,
        discriminatorB: two.discriminator,
        poolSize: 6,
        preview,
      });
      tf.dispose([preview.a, preview.b]);
      for (const n of [one, two].flatMap((nets) => [nets.generator, nets.encoder, nets.patch])) n.dispose();
      return s;
    },
    data: () => unpairedSyntheticSource(4),
    sampleShape: [6, 8, 8, 1],
  },
];

async function allWeights(s: Strategy): Promise<number[][]> {
  const out: number[][] = [];
  for (const net of Object.values(s.networks))
    for (const w of net.getWeights()) out.push(Array.from(await w.data()));
  return out;
}

describe.each(families)('strategy conformance: $name', (family) => {
  it('runs seeded steps with finite losses, no leaks, samples of the right shape', async () => {
    const s = family.make(1);
    // two warm-up steps create every optimizer slot (SRGAN's D starts after pre-training)
    const trainer = new Trainer({ strategy: s, data: family.data(), steps: 2, seed: 2 });
    await trainer.fit();
    const before = tf.memory().numTensors;
    trainer.setTotalSteps(4);
    const { lastLosses } = await trainer.fit();
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(lastLosses).length).toBeGreaterThan(0);
    for (const v of Object.values(lastLosses)) expect(Number.isFinite(v)).toBe(true);
    const samples = s.sample(3, 0);
    expect(samples.shape).toEqual(family.sampleShape);
    samples.dispose();
    s.dispose();
  });

  it('round-trips a checkpoint into a fresh strategy and continues identically', async () => {
    const runDir = path.join(tmp, family.name.replace(/\W+/g, '-'));
    const straight = family.make(1);
    await new Trainer({ strategy: straight, data: family.data(), steps: 4, seed: 3 }).fit();
    const expected = await allWeights(straight);
    straight.dispose();

    const a = family.make(1);
    const ta = new Trainer({ strategy: a, data: family.data(), steps: 2, seed: 3, runDir });
    await ta.fit();
    await ta.saveCheckpoint();
    a.dispose();
    const b = family.make(7);
    const tb = new Trainer({ strategy: b, data: family.data(), steps: 4, seed: 3, runDir });
    expect(await tb.restore()).toBe(2);
    await tb.fit();
    expect(await allWeights(b)).toEqual(expected);
    b.dispose();
  });
});

describe('discriminator penalties', () => {
  it('logs the gradient penalty as its own term', async () => {
    const s = families.find((f) => f.name.startsWith('wgan-gp'))!;
    const strategy = s.make(1);
    const { lastLosses } = await new Trainer({ strategy, data: s.data(), steps: 1 }).fit();
    expect(Object.keys(lastLosses)).toEqual(['d_loss', 'g_loss', 'd_penalty']);
    expect(lastLosses.d_penalty).toBeGreaterThan(0);
    strategy.dispose();
  });
});

describe('conditional sampling', () => {
  it('lays out one row per class', () => {
    expect(gridLabels(6, 3)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(gridLabels(100, 10).filter((l) => l === 9)).toHaveLength(10);
  });
});
