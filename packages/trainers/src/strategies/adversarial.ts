import { checkInteger, formatShape, GanError, tfjsSeed } from '@gankit/core';
import { type AdversarialLoss, type AdversarialLossName, gradientPenalty, r1Penalty } from '@gankit/losses';
import {
  type DcganDiscriminatorOptions,
  type DcganGeneratorOptions,
  dcganDiscriminator,
  dcganGenerator,
} from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch, StepContext, Strategy } from '../engine/types.js';
import { type AdamSettings, ganAdamPair, optimizerStep, trainableVariables } from '../engine/update.js';
import {
  type DiscriminatorTerms,
  discriminatorStep,
  generatorAdversarialTerm,
  resolveAdversarialLoss,
} from './adversarial-steps.js';

/**
 * Options of {@link adversarialStrategy}.
 * @category Strategies
 */
export interface AdversarialStrategyOptions {
  /** G: maps [batch, latentDim] noise to images in [-1, 1]. */
  generator: tfl.LayersModel;
  /** D: maps images to [batch, 1] logits. */
  discriminator: tfl.LayersModel;
  /** Adversarial loss pair, by name or as functions. Default `non-saturating`. */
  loss?: AdversarialLossName | AdversarialLoss;
  /** k: discriminator updates per generator update (Goodfellow et al., Algorithm 1). Default 1. */
  discriminatorSteps?: number;
  /** Adam settings per network. Default lr 2e-4, beta1 0.5, beta2 0.999 (Radford et al.). */
  optimizer?: AdamSettings;
  /** Clip each network's gradients to this global L2 norm. Default: no clipping. */
  clipGradientNorm?: number;
  /**
   * A penalty added to D's loss and logged as `d_penalty`: the WGAN-GP gradient penalty on
   * random interpolates (Gulrajani et al. 2017) or the R1 penalty on real data (Mescheder 2018).
   */
  regularizer?: DiscriminatorRegularizer;
  /**
   * PacGAN packing (Lin et al. 2018): D judges `packing` samples at once, concatenated along
   * the last axis (features, or image channels), which penalises mode collapse. D's input must
   * be `packing` times as wide as G's output, and batches divisible by `packing`. A
   * `regularizer` then acts on packs: interpolates between real and fake packs, and the norm of
   * D's gradient with respect to the whole pack. Default 1.
   */
  packing?: number;
  /** Strategy name for logs and checkpoints. Default `gan`. */
  name?: string;
}

/**
 * @internal Packs `m` consecutive samples into one along the last axis:
 * [n, d] -> [n/m, m*d], [n, h, w, c] -> [n/m, h, w, m*c].
 */
export function packSamples(fn: string, x: tf.Tensor, m: number): tf.Tensor {
  if (m === 1) return x;
  const [n, ...rest] = x.shape as number[];
  if (n! % m !== 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: batch size ${n} is not divisible by packing ${m}; use a batch size that is a multiple of ${m}`,
    );
  }
  return tf.tidy(() => {
    if (rest.length === 1) return tf.reshape(x, [n! / m, m * rest[0]!]);
    const last = rest[rest.length - 1]!;
    const inner = rest.slice(0, -1);
    const grouped = tf.reshape(x, [n! / m, m, ...inner, last]);
    // move the group axis next to the channels, then merge them
    const order = [0, ...inner.map((_, i) => i + 2), 1, rest.length + 1];
    return tf.reshape(tf.transpose(grouped, order), [n! / m, ...inner, m * last]);
  });
}

/**
 * A discriminator penalty: `gradient-penalty` (weight = lambda, default 10) or `r1` (gamma, default 10).
 * @category Strategies
 */
export type DiscriminatorRegularizer =
  | { kind: 'gradient-penalty'; weight?: number; target?: number; oneSided?: boolean }
  | { kind: 'r1'; gamma?: number };

/** @internal The penalty of one D step, or null. */
export function penaltyOf(
  regularizer: DiscriminatorRegularizer | undefined,
  critic: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  seed: number,
): tf.Scalar | null {
  if (!regularizer) return null;
  if (regularizer.kind === 'r1')
    return r1Penalty(critic, real, regularizer.gamma === undefined ? {} : { gamma: regularizer.gamma });
  const { kind: _, ...options } = regularizer;
  return gradientPenalty(critic, real, fake, { ...options, seed });
}

/**
 * The GAN training step of Goodfellow et al. 2014 (Algorithm 1), with any adversarial loss:
 * k discriminator updates, each on a fresh real batch and fresh fakes, then one generator
 * update. Two Adam optimizers. Fakes for D's update are generated outside the gradient tape,
 * so D's step never records G's forward pass.
 *
 * @param options - networks, loss, k, optimizer settings
 * @returns the strategy (it owns the networks and optimizers; `dispose()` frees them)
 * @throws GanError `INVALID_ARGUMENT` for a non-positive k or learning rate, `SHAPE_MISMATCH` when G's output does not fit D
 * @example
 * ```ts
 * import { dcganDiscriminator, dcganGenerator } from '@gankit/models';
 * import { adversarialStrategy } from '@gankit/trainers';
 * const strategy = adversarialStrategy({
 *   generator: dcganGenerator({ imageSize: 28, channels: 1 }),
 *   discriminator: dcganDiscriminator({ imageSize: 28, channels: 1 }),
 *   loss: 'non-saturating',
 * });
 * ```
 * @category Strategies
 */
export function adversarialStrategy(options: AdversarialStrategyOptions): Strategy<Batch> {
  const fn = 'adversarialStrategy';
  const { generator, discriminator } = options;
  const loss = resolveAdversarialLoss(fn, options.loss);
  const k = checkInteger(fn, 'discriminatorSteps', options.discriminatorSteps ?? 1);
  const zShape = generator.inputs[0]?.shape;
  if (zShape?.length !== 2 || typeof zShape[1] !== 'number') {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: generator input must be [batch, latentDim], got ${JSON.stringify(zShape)}`,
    );
  }
  const latentDim = zShape[1];
  const m = checkInteger(fn, 'packing', options.packing ?? 1);
  const gOut = generator.outputs[0]!.shape.slice(1);
  const packedOut = gOut.map((d, i) => (i === gOut.length - 1 && d !== null ? d * m : d));
  const dIn = discriminator.inputs[0]!.shape.slice(1);
  if (JSON.stringify(packedOut) !== JSON.stringify(dIn)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: generator output ${formatShape(gOut as number[])}${m > 1 ? ` packed ${m} at a time (${formatShape(packedOut as number[])})` : ''} does not match discriminator input ${formatShape(dIn as number[])}`,
    );
  }
  const optimizers = ganAdamPair(fn, options.optimizer);
  const gVars = trainableVariables(generator);
  const dVars = trainableVariables(discriminator);
  const clip = options.clipGradientNorm === undefined ? {} : { clipNorm: options.clipGradientNorm };
  const judge = (x: tf.Tensor) => discriminator.apply(x, { training: true }) as tf.Tensor;
  const critic = (x: tf.Tensor) => judge(packSamples(fn, x, m));
  const noise = (n: number, seed: number) => tf.randomNormal([n, latentDim], 0, 1, 'float32', tfjsSeed(seed));

  return {
    name: options.name ?? 'gan',
    networks: { generator, discriminator },
    optimizers,
    batchesPerStep: () => k,
    trainStep(batches: Batch[], { rng }: StepContext) {
      let dTerms: DiscriminatorTerms | null = null;
      for (const { images } of batches) {
        const n = images.shape[0];
        const fake = tf.tidy(() => generator.apply(noise(n, rng.seed()), { training: true }) as tf.Tensor);
        if (dTerms) tf.dispose(Object.values(dTerms));
        const penaltySeed = rng.seed();
        dTerms = discriminatorStep({
          loss,
          optimizer: optimizers.discriminator,
          variables: dVars,
          realLogits: () => critic(images),
          fakeLogits: () => critic(fake),
          // penalties see what D sees: interpolates between packs, gradient norms per pack
          penalty: () =>
            penaltyOf(
              options.regularizer,
              judge,
              packSamples(fn, images, m),
              packSamples(fn, fake, m),
              penaltySeed,
            ),
          clip,
        });
        fake.dispose();
      }
      const lastReal = batches[batches.length - 1]!.images;
      const n = lastReal.shape[0];
      const z = noise(n, rng.seed());
      const gLoss = optimizerStep(
        optimizers.generator,
        () => {
          const fakeLogits = critic(generator.apply(z, { training: true }) as tf.Tensor);
          // relativistic losses compare with D's view of the last real batch
          return generatorAdversarialTerm(loss, fakeLogits, () => critic(lastReal));
        },
        gVars,
        clip,
      );
      z.dispose();
      const { d_loss, d_penalty } = dTerms!;
      const losses: Record<string, tf.Scalar> = { d_loss, g_loss: gLoss };
      if (d_penalty) losses.d_penalty = d_penalty;
      return losses;
    },
    sample(count: number, seed: number) {
      return tf.tidy(() => generator.predict(noise(count, seed)) as tf.Tensor);
    },
    samplingNetwork: () => generator,
    dispose() {
      generator.dispose();
      discriminator.dispose();
      optimizers.generator.dispose();
      optimizers.discriminator.dispose();
    },
  };
}

/**
 * Options of {@link dcganStrategy}.
 * @category Strategies
 */
export interface DcganStrategyOptions {
  /** Image height and width (28 for Fashion-MNIST). */
  imageSize: number;
  /** Image channels. */
  channels: number;
  /** Latent size. Default 100. */
  latentDim?: number;
  /** Generator options beyond size and channels. */
  generator?: Partial<Omit<DcganGeneratorOptions, 'imageSize' | 'channels' | 'latentDim'>>;
  /** Discriminator options beyond size and channels. */
  discriminator?: Partial<Omit<DcganDiscriminatorOptions, 'imageSize' | 'channels'>>;
  /** Adversarial loss. Default `non-saturating`. */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Discriminator steps per generator step. Default 1. */
  discriminatorSteps?: number;
  /** Adam settings. Default lr 2e-4, beta1 0.5. */
  optimizer?: AdamSettings;
  /** Clip each network's gradients to this global L2 norm. */
  clipGradientNorm?: number;
  /** A discriminator penalty (WGAN-GP's gradient penalty, R1). */
  regularizer?: DiscriminatorRegularizer;
  /** PacGAN packing: D sees `packing` images stacked along channels. Default 1. */
  packing?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * DCGAN (Radford, Metz & Chintala 2015): {@link adversarialStrategy} with the DCGAN generator
 * and discriminator from `@gankit/core` and Adam(2e-4, beta1 0.5).
 * @param options - image shape, latent size, network and optimizer options
 * @returns the strategy
 * @throws GanError for invalid sizes (see `dcganGenerator`)
 * @example
 * ```ts
 * import { dcganStrategy } from '@gankit/trainers';
 * const strategy = dcganStrategy({ imageSize: 28, channels: 1, seed: 1 });
 * ```
 * @category Strategies
 */
export function dcganStrategy(options: DcganStrategyOptions): Strategy<Batch, tf.Tensor4D> {
  const seed = options.seed ?? 0;
  // a DCGAN generator makes images
  return adversarialStrategy({
    name: 'dcgan',
    generator: dcganGenerator({
      imageSize: options.imageSize,
      channels: options.channels,
      latentDim: options.latentDim ?? 100,
      seed,
      ...options.generator,
    }),
    discriminator: dcganDiscriminator({
      imageSize: options.imageSize,
      channels: options.channels * (options.packing ?? 1),
      seed: seed + 1,
      ...options.discriminator,
    }),
    ...(options.loss !== undefined ? { loss: options.loss } : {}),
    ...(options.discriminatorSteps !== undefined ? { discriminatorSteps: options.discriminatorSteps } : {}),
    ...(options.optimizer !== undefined ? { optimizer: options.optimizer } : {}),
    ...(options.clipGradientNorm !== undefined ? { clipGradientNorm: options.clipGradientNorm } : {}),
    ...(options.regularizer !== undefined ? { regularizer: options.regularizer } : {}),
    ...(options.packing !== undefined ? { packing: options.packing } : {}),
  }) as Strategy<Batch, tf.Tensor4D>;
}
