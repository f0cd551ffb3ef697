import { SeededRandom } from '@gankit/core';
import { gaussianMixture, saveScatterPlot } from '@gankit/data';
import { modeCoverage } from '@gankit/metrics';
import { mlpDiscriminator, mlpGenerator } from '@gankit/models';
import { adversarialStrategy, pointsBatchSource, scatterPlotCallback } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { commonConfigShape, positiveInt } from '../config.js';
import type { FamilyDefinition } from '../family.js';
import { latentBatch, latentDimOf } from '../shared/sampling.js';

/** Config of the `gan` family: MLPs on a 2-D Gaussian mixture. @category Families */
export const ganConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('gan'),
    data: z
      .object({
        dataset: z.literal('gaussian-mixture'),
        kind: z.enum(['ring', 'grid']),
        modes: positiveInt,
        std: z.number().gt(0),
      })
      .strict(),
    model: z
      .object({
        latentDim: positiveInt,
        hidden: z.array(positiveInt).min(1),
        /** D's hidden widths when they differ from G's. */
        discriminatorHidden: z.array(positiveInt).min(1).optional(),
        discriminatorSpectralNorm: z.boolean().optional(),
        /** PacGAN packing: D judges this many samples at once (Lin et al. 2018). */
        packing: positiveInt.optional(),
      })
      .strict(),
  })
  .strict();

/** A validated `gan` config. @category Families */
export type GanConfig = z.infer<typeof ganConfigSchema>;

const adam = (learningRate: number) => ({ learningRate, beta1: 0.5, beta2: 0.999 });

const ganRing: GanConfig = {
  preset: 'gan-ring8',
  family: 'gan',
  description:
    'vanilla GAN (Goodfellow 2014, non-saturating) with MLPs and a PacGAN-4 D on a ring of 8 Gaussians; scatter plot and mode coverage',
  data: { dataset: 'gaussian-mixture', kind: 'ring', modes: 8, std: 0.05 },
  // a plain D collapses to 2 of 8 modes at this budget; judging 4 samples at once (PacGAN,
  // Lin et al. 2018) and decaying the rate in the second half cover all 8
  model: { latentDim: 16, hidden: [128, 128], packing: 4 },
  loss: 'non-saturating',
  discriminatorSteps: 1,
  optimizer: adam(2e-3),
  training: { steps: 6000, batchSize: 256, seed: 0, decayStart: 3000 },
  output: { progressEvery: 250, sampleEvery: 1000, checkpointEvery: 1000, sampleCount: 2500 },
  backend: 'auto',
};

const wganGpRing: GanConfig = {
  ...ganRing,
  preset: 'wgan-gp-ring8',
  description: 'WGAN-GP (Gulrajani et al. 2017: n_critic 5, lambda 10) with MLPs on a ring of 8 Gaussians',
  model: { latentDim: 16, hidden: [128, 128] },
  loss: 'wasserstein',
  regularizer: { kind: 'gradient-penalty', weight: 10 },
  discriminatorSteps: 5,
  // the paper's 1e-4 needs ~100k steps here; 3e-3 with linear decay in the second half
  // covers the ring in 4,000
  optimizer: { learningRate: 3e-3, beta1: 0.5, beta2: 0.9 },
  training: { steps: 4000, batchSize: 256, seed: 0, decayStart: 2000 },
};

const ganGrid: GanConfig = {
  ...ganRing,
  preset: 'gan-grid25',
  description:
    'vanilla GAN (Goodfellow 2014, non-saturating, k = 5 D steps) with MLPs and a PacGAN-4 D on a 5x5 grid of Gaussians',
  data: { dataset: 'gaussian-mixture', kind: 'grid', modes: 25, std: 0.05 },
  // the ring's recipe leaves D at chance here: the paper's k = 5 D steps per G step and large
  // batches let it resolve the grid (the sweep is in docs/benchmarks.md's notes)
  discriminatorSteps: 5,
  training: { steps: 10000, batchSize: 1024, seed: 0, decayStart: 5000 },
};

/**
 * Vanilla GAN (Goodfellow et al. 2014) with MLPs on a 2-D mixture of Gaussians (ring of 8,
 * grid of 25): scatter plots while training, mode coverage at the end.
 * @category Families
 */
export const ganFamily: FamilyDefinition<GanConfig> = {
  name: 'gan',
  description: 'vanilla GAN (Goodfellow 2014) with MLPs on 2-D Gaussian mixtures',
  schema: ganConfigSchema,
  presets: [ganRing, wganGpRing, ganGrid],
  async build(config, log) {
    const { training, output, model } = config;
    const mixture = gaussianMixture({
      kind: config.data.kind,
      modes: config.data.modes,
      std: config.data.std,
    });
    log(`data: ${mixture.description}`);
    const packing = model.packing ?? 1;
    return {
      data: pointsBatchSource(mixture, { batchSize: training.batchSize, seed: training.seed }),
      strategy: adversarialStrategy({
        name: 'gan',
        loss: config.loss,
        discriminatorSteps: config.discriminatorSteps,
        optimizer: config.optimizer,
        ...(config.regularizer ? { regularizer: config.regularizer } : {}),
        generator: mlpGenerator({
          latentDim: model.latentDim,
          outputDim: 2,
          hidden: model.hidden,
          seed: training.seed,
        }),
        packing,
        discriminator: mlpDiscriminator({
          inputDim: 2 * packing,
          hidden: model.discriminatorHidden ?? model.hidden,
          spectralNorm: model.discriminatorSpectralNorm ?? false,
          seed: training.seed + 1,
        }),
      }),
      samples: scatterPlotCallback({
        every: output.sampleEvery,
        count: output.sampleCount,
        reference: mixture.sample(output.sampleCount, new SeededRandom(training.seed + 7)),
        seed: training.seed,
        log,
      }),
      evaluate: async (trainer) => {
        const points = trainer.sample(output.sampleCount, training.seed + 1);
        const coverage = modeCoverage(await points.data(), mixture.centers, mixture.std);
        points.dispose();
        log(
          `mode coverage: ${coverage.modesCaptured}/${coverage.modes} modes, ${(100 * coverage.highQualityFraction).toFixed(1)}% high-quality samples (within 3 std)`,
        );
        return { modeCoverage: coverage };
      },
    };
  },
  async sample(generator, _config, { n, seed, out }) {
    const points = tf.tidy(
      () => generator.predict(latentBatch(n, latentDimOf(generator), seed)) as tf.Tensor,
    );
    try {
      await saveScatterPlot(out, [{ points: await points.data(), color: [30, 90, 200] }]);
    } finally {
      points.dispose();
    }
  },
};
