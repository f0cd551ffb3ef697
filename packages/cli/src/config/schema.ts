import { BACKEND_CHOICES, type BackendChoice, GanError } from '@gankit/core';
import { z } from 'zod';

const positiveInt = z.number().int().min(1);

const fashionData = z.object({
  dataset: z.literal('fashion-mnist'),
  /** `bundled` for the subset shipped with @gankit/core, or a folder with the IDX files. */
  dir: z.string().min(1),
});

const imageModel = {
  imageSize: positiveInt,
  channels: positiveInt,
  latentDim: positiveInt,
  generatorWidth: positiveInt,
  discriminatorWidth: positiveInt,
};

const common = {
  preset: z.string(),
  description: z.string(),
  /** Adversarial loss pair (see @gankit/losses). */
  loss: z.enum(['non-saturating', 'minimax', 'lsgan', 'hinge', 'wasserstein', 'relativistic-average']),
  discriminatorSteps: positiveInt,
  /** A penalty on D: WGAN-GP's gradient penalty (weight = lambda) or R1 (gamma). */
  regularizer: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('gradient-penalty'), weight: z.number().gt(0) }).strict(),
      z.object({ kind: z.literal('r1'), gamma: z.number().gt(0) }).strict(),
    ])
    .optional(),
  optimizer: z
    .object({
      learningRate: z.number().gt(0),
      beta1: z.number().min(0).lt(1),
      beta2: z.number().min(0).lt(1),
    })
    .strict(),
  training: z
    .object({
      steps: positiveInt,
      batchSize: positiveInt,
      seed: z.number().int().min(0),
      /** Linear learning-rate decay to 0, starting at this step (omit for a constant rate). */
      decayStart: z.number().int().min(0).optional(),
    })
    .strict(),
  output: z.object({
    progressEvery: positiveInt,
    sampleEvery: positiveInt,
    checkpointEvery: positiveInt,
    sampleCount: positiveInt,
  }),
  /** Exponential moving average of G's weights for sampling; omit to sample the live weights. */
  emaDecay: z.number().min(0).lt(1).optional(),
  backend: z.enum(BACKEND_CHOICES as [BackendChoice, ...BackendChoice[]]),
};

const imageFolderData = z
  .object({
    dataset: z.literal('image-folder'),
    /** `bundled` for the natural-image crops shipped with @gankit/core, or any folder of PNG/JPEG images. */
    dir: z.string().min(1),
    /** Side of the high-resolution training crops; a multiple of `scale`. */
    hrSize: positiveInt,
    scale: z.union([z.literal(2), z.literal(4)]),
  })
  .strict();

const srModel = {
  /** SRResNet width (64 in Ledig et al.). */
  filters: positiveInt,
  /** SRResNet residual blocks (16 in Ledig et al.). */
  residualBlocks: positiveInt,
};

const srDiscriminator = {
  /** Base filters of the 8-conv discriminator (64 in Ledig et al.). */
  discriminatorFilters: positiveInt,
  /** Its hidden dense layer (1024 in Ledig et al.). */
  discriminatorDense: positiveInt,
};

const nonNegative = z.number().min(0);

/** The training config of a run: what a preset fills in and flags override, one shape per family. */
export const trainConfigSchema = z.discriminatedUnion('family', [
  z
    .object({
      ...common,
      family: z.literal('srresnet'),
      data: imageFolderData,
      model: z.object(srModel).strict(),
      content: z.enum(['mse', 'l1']),
    })
    .strict(),
  z
    .object({
      ...common,
      family: z.literal('srgan'),
      data: imageFolderData,
      model: z.object({ ...srModel, ...srDiscriminator }).strict(),
      content: z.enum(['mse', 'l1']),
      /** Weight of G's adversarial term (1e-3 in Ledig et al.). */
      adversarialWeight: nonNegative,
      totalVariationWeight: nonNegative,
      /** Steps of MSE-only pre-training (SRResNet initialisation) before D joins. */
      pretrainSteps: z.number().int().min(0),
    })
    .strict(),
  z
    .object({
      ...common,
      family: z.literal('lsrgan'),
      data: imageFolderData,
      model: z
        .object({
          ...srModel,
          ...srDiscriminator,
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
    .strict(),
  z
    .object({
      ...common,
      family: z.literal('pix2pix'),
      data: z
        .object({
          dataset: z.literal('fashion-edges'),
          /** `bundled` or a folder with the Fashion-MNIST IDX files; images are padded to 32x32. */
          dir: z.string().min(1),
          /** Sobel magnitude above which a pixel is an edge. */
          edgeThreshold: z.number().gt(0),
        })
        .strict(),
      model: z
        .object({
          imageSize: positiveInt,
          generatorFilters: positiveInt,
          discriminatorFilters: positiveInt,
          /** Stride-2 layers of the PatchGAN. */
          discriminatorLayers: positiveInt,
        })
        .strict(),
      /** lambda of the L1 term (100 in Isola et al.). */
      l1Weight: nonNegative,
    })
    .strict(),
  z
    .object({
      ...common,
      family: z.literal('dcgan'),
      data: fashionData,
      model: z
        .object({
          ...imageModel,
          discriminatorBatchNorm: z.boolean(),
          /** Spectral normalization on every D layer (Miyato et al. 2018). */
          discriminatorSpectralNorm: z.boolean().optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      ...common,
      family: z.literal('cgan'),
      data: fashionData,
      model: z
        .object({
          ...imageModel,
          numClasses: positiveInt.min(2),
          embeddingDim: positiveInt,
          conditioning: z.enum(['concat', 'projection']),
          discriminatorBatchNorm: z.boolean().optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      ...common,
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
    .strict(),
]);

/** A validated training config. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/**
 * Validates a config, reporting every problem at once with its dot path.
 * @param value - the candidate config
 * @param source - where it came from, for the message
 * @returns the typed config
 * @throws GanError `INVALID_CONFIG` listing each problem as `path: message, got value`
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
