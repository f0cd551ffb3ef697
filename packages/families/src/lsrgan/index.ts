import { cnnEncoder } from '@gankit/encoders';
import { srganDiscriminator } from '@gankit/models';
import { latentRegularizedStrategy } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { commonConfigShape, nonNegative, positiveInt } from '../config.js';
import type { FamilyDefinition } from '../family.js';
import {
  evaluateSuperResolution,
  srDataSchema,
  srDiscriminatorShape,
  srGeneratorShape,
  srPresetAdam,
  srPresetData,
  srPresetOutput,
  superResolutionParts,
} from '../shared/super-resolution.js';

/** Config of the `lsrgan` family. @category Families */
export const lsrganConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('lsrgan'),
    data: srDataSchema,
    model: z
      .object({
        ...srGeneratorShape,
        ...srDiscriminatorShape,
        /** Base width of the learned encoder E (HR image -> LR-shaped code). */
        encoderWidth: positiveInt,
      })
      .strict(),
    /** The latent-space-regularized GAN's weights (arXiv 2001.08126). */
    latent: z
      .object({
        pixelWeight: nonNegative,
        latentWeight: nonNegative,
        lipschitzK: nonNegative,
        lipschitzWeight: nonNegative,
        norm: z.enum(['l1', 'l2']),
        adversarialWeight: nonNegative,
      })
      .strict(),
  })
  .strict();

/** A validated `lsrgan` config. @category Families */
export type LsrganConfig = z.infer<typeof lsrganConfigSchema>;

const lsrganX4: LsrganConfig = {
  preset: 'lsrgan-x4',
  family: 'lsrgan',
  description:
    'latent-space-regularized GAN (arXiv 2001.08126) x4: G, D and a learned encoder E, updated D, E, G',
  data: srPresetData,
  model: {
    filters: 32,
    residualBlocks: 4,
    discriminatorFilters: 16,
    discriminatorDense: 128,
    encoderWidth: 16,
  },
  latent: {
    pixelWeight: 1,
    latentWeight: 0.1,
    lipschitzK: 1,
    lipschitzWeight: 10,
    norm: 'l1',
    adversarialWeight: 1e-3,
  },
  loss: 'non-saturating',
  discriminatorSteps: 1,
  optimizer: srPresetAdam,
  training: { steps: 3000, batchSize: 16, seed: 0 },
  output: srPresetOutput,
  backend: 'auto',
};

/**
 * The latent-space-regularized supervised GAN (arXiv 2001.08126) for super-resolution: G, D
 * and a learned encoder E whose code has the LR image's shape, updated D, then E, then G.
 * @category Families
 */
export const lsrganFamily: FamilyDefinition<LsrganConfig> = {
  name: 'lsrgan',
  description: 'latent-space-regularized GAN (arXiv 2001.08126): G, D and an encoder E',
  schema: lsrganConfigSchema,
  presets: [lsrganX4],
  upscales: true,
  async build(config, log) {
    const { data, preview, generator } = await superResolutionParts(config, log);
    const { hrSize, scale } = config.data;
    try {
      const discriminator = srganDiscriminator({
        inputSize: hrSize,
        baseFilters: config.model.discriminatorFilters,
        denseUnits: config.model.discriminatorDense,
        seed: config.training.seed + 1,
      });
      const encoder = cnnEncoder({
        inputShape: [hrSize, hrSize, 3],
        targetShape: [hrSize / scale, hrSize / scale, 3],
        baseWidth: config.model.encoderWidth,
        seed: config.training.seed + 2,
      });
      return {
        data,
        strategy: latentRegularizedStrategy({
          generator,
          discriminator,
          encoder: encoder.model,
          ...config.latent,
          loss: config.loss,
          optimizer: config.optimizer,
          preview,
        }),
      };
    } finally {
      tf.dispose([preview.inputs, preview.targets]);
    }
  },
  evaluate: evaluateSuperResolution,
};
