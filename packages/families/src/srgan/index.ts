import { srganDiscriminator } from '@gankit/models';
import { srganStrategy } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { commonConfigShape, nonNegative } from '../config.js';
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

/** Config of the `srgan` family. @category Families */
export const srganConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('srgan'),
    data: srDataSchema,
    model: z.object({ ...srGeneratorShape, ...srDiscriminatorShape }).strict(),
    /** Pixel loss: `l2` (MSE, as SRResNet) or `l1`; `mse` is kept as a deprecated spelling of `l2`. */
    content: z.enum(['l2', 'l1', 'mse']),
    /** Weight of G's adversarial term (1e-3 in Ledig et al.). */
    adversarialWeight: nonNegative,
    totalVariationWeight: nonNegative,
    /** Steps of pixel-loss pre-training (SRResNet initialisation) before D joins. */
    pretrainSteps: z.number().int().min(0),
  })
  .strict();

/** A validated `srgan` config. @category Families */
export type SrganConfig = z.infer<typeof srganConfigSchema>;

const srganX4: SrganConfig = {
  preset: 'srgan-x4',
  family: 'srgan',
  description:
    'SRGAN (Ledig et al. 2017) x4: MSE content + 1e-3 adversarial, initialised by 1,000 SRResNet steps',
  data: srPresetData,
  model: { filters: 32, residualBlocks: 4, discriminatorFilters: 16, discriminatorDense: 128 },
  content: 'l2',
  adversarialWeight: 1e-3,
  totalVariationWeight: 0,
  pretrainSteps: 1000,
  loss: 'non-saturating',
  discriminatorSteps: 1,
  optimizer: srPresetAdam,
  training: { steps: 3000, batchSize: 16, seed: 0 },
  output: srPresetOutput,
  backend: 'auto',
};

/**
 * SRGAN (Ledig et al. 2017): SRResNet with the 8-conv discriminator, content + 1e-3
 * adversarial + total variation, after an optional pixel-loss pre-training stage.
 * @category Families
 */
export const srganFamily: FamilyDefinition<SrganConfig> = {
  name: 'srgan',
  description: 'SRGAN (Ledig et al. 2017): adversarial super-resolution',
  schema: srganConfigSchema,
  presets: [srganX4],
  upscales: true,
  async build(config, log) {
    const { data, preview, generator } = await superResolutionParts(config, log);
    try {
      const discriminator = srganDiscriminator({
        inputSize: config.data.hrSize,
        baseFilters: config.model.discriminatorFilters,
        denseUnits: config.model.discriminatorDense,
        seed: config.training.seed + 1,
      });
      return {
        data,
        strategy: srganStrategy({
          generator,
          discriminator,
          content: config.content,
          adversarialWeight: config.adversarialWeight,
          totalVariationWeight: config.totalVariationWeight,
          pretrainSteps: config.pretrainSteps,
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
