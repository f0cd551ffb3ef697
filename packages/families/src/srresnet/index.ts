import { srganStrategy } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { commonConfigShape } from '../config.js';
import type { FamilyDefinition } from '../family.js';
import {
  evaluateSuperResolution,
  srDataSchema,
  srGeneratorShape,
  srPresetAdam,
  srPresetData,
  srPresetOutput,
  superResolutionParts,
} from '../shared/super-resolution.js';

/** Config of the `srresnet` family. @category Families */
export const srresnetConfigSchema = z
  .object({
    ...commonConfigShape,
    family: z.literal('srresnet'),
    data: srDataSchema,
    model: z.object(srGeneratorShape).strict(),
    /** Pixel loss: `l2` (MSE, as SRResNet) or `l1`; `mse` is kept as a deprecated spelling of `l2`. */
    content: z.enum(['l2', 'l1', 'mse']),
  })
  .strict();

/** A validated `srresnet` config. @category Families */
export type SrresnetConfig = z.infer<typeof srresnetConfigSchema>;

const srresnetX4: SrresnetConfig = {
  preset: 'srresnet-x4',
  family: 'srresnet',
  description:
    'SRResNet (Ledig et al. 2017) x4 super-resolution, pixel MSE only; bundled natural-image crops',
  data: srPresetData,
  model: { filters: 32, residualBlocks: 4 },
  content: 'l2',
  loss: 'non-saturating',
  discriminatorSteps: 1,
  optimizer: srPresetAdam,
  training: { steps: 3000, batchSize: 16, seed: 0 },
  output: srPresetOutput,
  backend: 'auto',
};

/**
 * SRResNet (Ledig et al. 2017): the residual super-resolution generator trained on a pixel
 * loss alone; scored against bicubic by `gankit eval`.
 * @category Families
 */
export const srresnetFamily: FamilyDefinition<SrresnetConfig> = {
  name: 'srresnet',
  description: 'SRResNet (Ledig et al. 2017): super-resolution with a pixel loss',
  schema: srresnetConfigSchema,
  presets: [srresnetX4],
  upscales: true,
  async build(config, log) {
    const { data, preview, generator } = await superResolutionParts(config, log);
    try {
      return {
        data,
        strategy: srganStrategy({ generator, content: config.content, optimizer: config.optimizer, preview }),
      };
    } finally {
      tf.dispose([preview.inputs, preview.targets]);
    }
  },
  evaluate: evaluateSuperResolution,
};
