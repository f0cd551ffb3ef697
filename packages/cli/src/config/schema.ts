import { BACKEND_CHOICES, type BackendChoice, GanError } from '@gankit/core';
import { z } from 'zod';

const positiveInt = z.number().int().min(1);

/** The training config of a run: what a preset fills in and flags override. */
export const trainConfigSchema = z
  .object({
    preset: z.string(),
    family: z.enum(['dcgan']),
    description: z.string(),
    data: z.object({
      dataset: z.enum(['fashion-mnist']),
      /** `bundled` for the subset shipped with @gankit/core, or a folder with the IDX files. */
      dir: z.string().min(1),
    }),
    model: z.object({
      imageSize: positiveInt,
      channels: positiveInt,
      latentDim: positiveInt,
      generatorWidth: positiveInt,
      discriminatorWidth: positiveInt,
      discriminatorBatchNorm: z.boolean(),
    }),
    loss: z.enum(['non-saturating', 'minimax']),
    discriminatorSteps: positiveInt,
    optimizer: z.object({
      learningRate: z.number().gt(0),
      beta1: z.number().min(0).lt(1),
      beta2: z.number().min(0).lt(1),
    }),
    training: z.object({
      steps: positiveInt,
      batchSize: positiveInt,
      seed: z.number().int().min(0),
    }),
    output: z.object({
      progressEvery: positiveInt,
      sampleEvery: positiveInt,
      checkpointEvery: positiveInt,
      sampleCount: positiveInt,
    }),
    backend: z.enum(BACKEND_CHOICES as [BackendChoice, ...BackendChoice[]]),
  })
  .strict();

/** A validated training config. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/**
 * Validates a config, reporting every problem at once with its dot path.
 * @param value - the candidate config
 * @param source - where it came from, for the message
 * @returns the typed config
 * @throws GanError `INVALID_CONFIG` listing each problem as `path message, got value`
 */
export function parseTrainConfig(value: unknown, source: string): TrainConfig {
  const result = trainConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const at = issue.path.join('.') || '(root)';
    const got = issue.path.reduce<unknown>(
      (v, k) =>
        v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined,
      value,
    );
    return `  ${at}: ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
  });
  throw new GanError('INVALID_CONFIG', `${source} is not a valid training config:\n${lines.join('\n')}`);
}
