import { checkInteger, GanError, tfjsSeed } from '@gankit/core';
import type { AdversarialLoss, AdversarialLossName } from '@gankit/losses';
import { gaussianDownsample, gaussianUpsample, lapganSampler } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch, StepContext, Strategy } from '../engine/types.js';
import { type AdamSettings, ganAdamPair, optimizerStep, trainableVariables } from '../engine/update.js';
import { discriminatorStep, generatorAdversarialTerm, resolveAdversarialLoss } from './adversarial-steps.js';
import { gridLabels } from './conditional.js';

/**
 * One level of a LAPGAN, coarse to fine. Level 0: G_0(z [, label]) -> the coarsest image and
 * D_0(image [, label]) (e.g. `lapganCoarseGenerator` / `lapganCoarseDiscriminator`, MLPs).
 * Level k > 0: G_k(noise plane, l_k [, label]) -> residual h_k and D_k(l_k + h_k, l_k [, label])
 * with l_k the upsampled coarser image (e.g. `lapganLevelGenerator` / `lapganLevelDiscriminator`).
 * Any networks with those inputs and outputs fit, so each level may have its own architecture.
 * @category Strategies
 */
export interface LapganLevel {
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
}

/**
 * Options of {@link lapganStrategy}.
 * @category Strategies
 */
export interface LapganStrategyOptions {
  /** The levels, coarsest first; each level's size is twice the previous one's. */
  levels: LapganLevel[];
  /** Class-conditional: every network takes a label and every batch must have labels. */
  numClasses?: number;
  /** Adversarial loss of every level. Default `non-saturating`. */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Adam settings of every level's two optimizers. Default lr 2e-4, beta1 0.5. */
  optimizer?: AdamSettings;
  /** Pixels cut off every side of the sampled images (data padded to a size that halves). Default 0. */
  crop?: number;
}

/** A LAPGAN strategy: the level networks by level, and its sampling model's latent layout. @category Strategies */
export interface LapganStrategy extends Strategy<Batch, tf.Tensor4D> {
  /** Number of classes, when class-conditional. */
  readonly numClasses: number | undefined;
  /** Length of each level's part of the sampling model's latent vector, coarsest first. */
  readonly latentParts: readonly number[];
}

/**
 * LAPGAN (Denton et al. 2015, "Deep Generative Image Models using a Laplacian Pyramid of
 * Adversarial Networks"): one conditional GAN per level of a Laplacian pyramid, trained
 * independently on the real pyramid of each batch. With `g_0` the batch and `g_{j+1} = d(g_j)`,
 * the coarsest level learns `g_top` from noise, and level k learns the band-pass residual
 * `h = g_j - u(g_{j+1})` from a noise plane and `l = u(g_{j+1})`: D_k judges `l + h` (real) against
 * `l + G_k(z_k, l)` (fake), both beside `l`. Every level takes one D step and one G step per
 * training step. Sampling runs coarse to fine through one model (see `lapganSampler`).
 * @param options - levels (coarsest first), classes, loss, optimizer, crop
 * @returns the strategy (owns every network and optimizer)
 * @throws GanError `INVALID_ARGUMENT` for no levels or networks without the level's inputs;
 *   `SHAPE_MISMATCH` when level sizes do not double; at step time `INVALID_DATA` for a batch
 *   without labels (conditional) or of the wrong size
 * @example
 * ```ts
 * import {
 *   lapganCoarseDiscriminator, lapganCoarseGenerator, lapganLevelDiscriminator, lapganLevelGenerator,
 * } from '@gankit/models';
 * import { lapganStrategy } from '@gankit/trainers';
 * const s = lapganStrategy({
 *   levels: [
 *     {
 *       generator: lapganCoarseGenerator({ size: 4, channels: 1, latentDim: 8, hidden: [32], name: 'g0' }),
 *       discriminator: lapganCoarseDiscriminator({ size: 4, channels: 1, hidden: [32], name: 'd0' }),
 *     },
 *     {
 *       generator: lapganLevelGenerator({ size: 8, channels: 1, width: 8, name: 'g1' }),
 *       discriminator: lapganLevelDiscriminator({ size: 8, channels: 1, width: 8, name: 'd1' }),
 *     },
 *   ],
 * });
 * s.dispose();
 * ```
 * @category Strategies
 */
export function lapganStrategy(options: LapganStrategyOptions): LapganStrategy {
  const fn = 'lapganStrategy';
  const levels = options.levels;
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: levels must list at least the coarsest level`);
  }
  const numClasses =
    options.numClasses === undefined ? undefined : checkInteger(fn, 'numClasses', options.numClasses, 2);
  const extra = numClasses === undefined ? 0 : 1;
  levels.forEach(({ generator, discriminator }, k) => {
    const [gIn, dIn] = k === 0 ? [1, 1] : [2, 2];
    if (generator.inputs.length !== gIn + extra || discriminator.inputs.length !== dIn + extra) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: level ${k} needs a generator with ${gIn + extra} inputs and a discriminator with ${dIn + extra} (${k === 0 ? '[z] and [image]' : '[noise, coarse] and [image, coarse]'}${extra ? ' plus a label' : ''}), got ${generator.inputs.length} and ${discriminator.inputs.length}`,
      );
    }
  });
  const loss = resolveAdversarialLoss(fn, options.loss);
  const sampler = lapganSampler({
    generators: levels.map((l) => l.generator),
    ...(options.crop ? { crop: options.crop } : {}),
  });
  const latentDim = levels[0]!.generator.inputs[0]!.shape[1] as number;
  const sizes = levels.map((l, k) =>
    k === 0 ? (l.generator.outputs[0]!.shape[1] as number) : (l.generator.inputs[0]!.shape[1] as number),
  );
  const finest = sizes[sizes.length - 1]!;
  const latentParts = sizes.map((s, k) => (k === 0 ? latentDim : s * s));
  const pairs = levels.map(() => ganAdamPair(fn, options.optimizer));
  const gVars = levels.map((l) => trainableVariables(l.generator));
  const dVars = levels.map((l) => trainableVariables(l.discriminator));
  const networks: Record<string, tfl.LayersModel> = {};
  const optimizers: Record<string, tf.Optimizer> = {};
  levels.forEach((l, k) => {
    networks[`generator_${k}`] = l.generator;
    networks[`discriminator_${k}`] = l.discriminator;
    optimizers[`generator_${k}`] = pairs[k]!.generator;
    optimizers[`discriminator_${k}`] = pairs[k]!.discriminator;
  });

  /** Level k's noise: z for the coarsest, a [n, s, s, 1] plane above. */
  const noise = (k: number, n: number, seed: number) =>
    k === 0
      ? tf.randomNormal([n, latentDim], 0, 1, 'float32', tfjsSeed(seed))
      : tf.randomNormal([n, sizes[k]!, sizes[k]!, 1], 0, 1, 'float32', tfjsSeed(seed));

  const sampleWith = (labels: number[] | undefined, count: number, seed: number) =>
    tf.tidy(() => {
      const total = latentParts.reduce((a, b) => a + b, 0);
      const latent = tf.randomNormal([count, total], 0, 1, 'float32', tfjsSeed(seed));
      const inputs = labels ? [latent, tf.tensor2d(labels, [count, 1], 'int32')] : latent;
      return sampler.predict(inputs) as tf.Tensor4D;
    });

  return {
    name: 'lapgan',
    numClasses,
    latentParts,
    networks,
    optimizers,
    batchesPerStep: () => 1,
    trainStep(batches: Batch[], { rng }: StepContext) {
      const { images, labels } = batches[0]!;
      if (images.rank !== 4 || images.shape[1] !== finest || images.shape[2] !== finest) {
        throw new GanError(
          'INVALID_DATA',
          `${fn}: batches must be [batch, ${finest}, ${finest}, channels] images, got [${images.shape.join(', ')}]`,
        );
      }
      if (numClasses !== undefined && !labels)
        throw new GanError('INVALID_DATA', `${fn}: every batch needs labels`);
      const n = images.shape[0]!;
      const y = numClasses !== undefined && labels ? tf.reshape(labels, [-1, 1]) : undefined;
      const withLabel = (xs: tf.Tensor[]) => (y ? [...xs, y] : xs);
      // the Gaussian pyramid g_0 (finest) .. g_top of the real batch
      const gauss: tf.Tensor4D[] = [images as tf.Tensor4D];
      for (let k = 1; k < levels.length; k++) gauss.push(gaussianDownsample(gauss[k - 1]!));
      const losses: Record<string, tf.Scalar> = {};
      levels.forEach(({ generator, discriminator }, k) => {
        const real = gauss[levels.length - 1 - k]!;
        const coarse = k === 0 ? undefined : gaussianUpsample(gauss[levels.length - k]!);
        const generate = (seed: number, training: boolean) => {
          const out = generator.apply(withLabel([noise(k, n, seed), ...(coarse ? [coarse] : [])]), {
            training,
          }) as tf.Tensor;
          return coarse ? tf.add(coarse, out) : out;
        };
        const judge = (x: tf.Tensor) =>
          discriminator.apply(withLabel([x, ...(coarse ? [coarse] : [])]), { training: true }) as tf.Tensor;
        const fake = tf.tidy(() => generate(rng.seed(), true));
        const d = discriminatorStep({
          loss,
          optimizer: pairs[k]!.discriminator,
          variables: dVars[k]!,
          realLogits: () => judge(real),
          fakeLogits: () => judge(fake),
        });
        fake.dispose();
        const gSeed = rng.seed();
        const g = optimizerStep(
          pairs[k]!.generator,
          () => generatorAdversarialTerm(loss, judge(generate(gSeed, true)), () => judge(real)),
          gVars[k]!,
        );
        losses[`d_loss_${k}`] = d.d_loss;
        losses[`g_loss_${k}`] = g;
        coarse?.dispose();
      });
      tf.dispose([...gauss.slice(1), ...(y ? [y] : [])]);
      return losses;
    },
    sample: (count: number, seed: number) =>
      sampleWith(numClasses === undefined ? undefined : gridLabels(count, numClasses), count, seed),
    gridColumns: (count: number) =>
      numClasses === undefined ? Math.ceil(Math.sqrt(count)) : Math.max(1, Math.floor(count / numClasses)),
    samplingNetwork: () => sampler,
    dispose() {
      sampler.dispose(); // and with it the level generators it holds
      for (const l of levels) l.discriminator.dispose();
      for (const o of Object.values(optimizers)) o.dispose();
    },
  };
}
