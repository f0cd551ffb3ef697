import { checkInteger, GanError, tfjsSeed } from '@gankit/core';
import type { AdversarialLoss, AdversarialLossName } from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch, StepContext, Strategy } from '../engine/types.js';
import { type AdamSettings, ganAdamPair, optimizerStep, trainableVariables } from '../engine/update.js';
import { type DiscriminatorRegularizer, penaltyOf } from './adversarial.js';
import {
  type DiscriminatorTerms,
  discriminatorStep,
  generatorAdversarialTerm,
  resolveAdversarialLoss,
} from './adversarial-steps.js';

/**
 * Options of {@link conditionalStrategy}.
 * @category Strategies
 */
export interface ConditionalStrategyOptions {
  /** G([z, label]) -> images, label [batch, 1] int32 (e.g. `conditionalGenerator`). */
  generator: tfl.LayersModel;
  /** D([image, label]) -> [batch, 1] logits (e.g. `conditionalDiscriminator`). */
  discriminator: tfl.LayersModel;
  /** Number of classes. */
  numClasses: number;
  /** Adversarial loss. Default `non-saturating`. */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Discriminator steps per generator step. Default 1. */
  discriminatorSteps?: number;
  /** Adam settings. Default lr 2e-4, beta1 0.5. */
  optimizer?: AdamSettings;
  /** Clip gradients to this global norm. */
  clipGradientNorm?: number;
  /** A penalty on D's gradient with respect to the image (labels held fixed), logged as `d_penalty`. */
  regularizer?: DiscriminatorRegularizer;
}

/** A conditional strategy also samples chosen classes. @category Strategies */
export interface ConditionalStrategy extends Strategy<Batch, tf.Tensor4D> {
  /** Number of classes. */
  readonly numClasses: number;
  /**
   * @param labels - one class index per sample
   * @param seed - seed of the latent draw
   * @returns images (caller owns)
   */
  sampleClasses(labels: number[], seed: number): tf.Tensor4D;
}

/**
 * Labels for a class-per-row grid of `count` samples: row r holds class r.
 * @param count - number of samples (a multiple of numClasses gives full rows)
 * @param numClasses - number of classes
 * @returns one label per sample
 * @example
 * ```ts
 * import { gridLabels } from '@gankit/trainers';
 * gridLabels(6, 3); // [0, 0, 1, 1, 2, 2]
 * ```
 * @category Strategies
 */
export function gridLabels(count: number, numClasses: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.floor((i * numClasses) / count));
}

/**
 * Conditional GAN (Mirza & Osindero 2014): G and D both receive the class label. D learns
 * real (x, y) vs (G(z, y), y) with y the real batch's labels; G is trained on uniformly
 * drawn labels. Sample grids show one row per class.
 * @param options - networks, classes, loss, k, optimizer
 * @returns the strategy (owns networks and optimizers)
 * @throws GanError `INVALID_ARGUMENT` for bad numbers; at step time `INVALID_DATA` when a batch has no labels
 * @example
 * ```ts
 * import { conditionalDiscriminator, conditionalGenerator } from '@gankit/models';
 * import { conditionalStrategy } from '@gankit/trainers';
 * const s = conditionalStrategy({
 *   generator: conditionalGenerator({ imageSize: 28, channels: 1, numClasses: 10 }),
 *   discriminator: conditionalDiscriminator({ imageSize: 28, channels: 1, numClasses: 10 }),
 *   numClasses: 10,
 * });
 * ```
 * @category Strategies
 */
export function conditionalStrategy(options: ConditionalStrategyOptions): ConditionalStrategy {
  const fn = 'conditionalStrategy';
  const { generator, discriminator } = options;
  const numClasses = checkInteger(fn, 'numClasses', options.numClasses, 2);
  const loss = resolveAdversarialLoss(fn, options.loss);
  const k = checkInteger(fn, 'discriminatorSteps', options.discriminatorSteps ?? 1);
  if (generator.inputs.length !== 2 || discriminator.inputs.length !== 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: generator and discriminator must each take two inputs ([z, label] and [image, label])`,
    );
  }
  const latentDim = generator.inputs[0]!.shape[1] as number;
  const optimizers = ganAdamPair(fn, options.optimizer);
  const gVars = trainableVariables(generator);
  const dVars = trainableVariables(discriminator);
  const clip = options.clipGradientNorm === undefined ? {} : { clipNorm: options.clipGradientNorm };
  const noise = (n: number, seed: number) => tf.randomNormal([n, latentDim], 0, 1, 'float32', tfjsSeed(seed));
  const asColumn = (labels: tf.Tensor) => tf.reshape(labels, [-1, 1]);
  const judge = (x: tf.Tensor, y: tf.Tensor) => discriminator.apply([x, y], { training: true }) as tf.Tensor;

  const sampleClasses = (labels: number[], seed: number) =>
    tf.tidy(
      () =>
        generator.predict([
          noise(labels.length, seed),
          tf.tensor2d(labels, [labels.length, 1], 'int32'),
        ]) as tf.Tensor4D,
    );

  return {
    name: 'cgan',
    numClasses,
    networks: { generator, discriminator },
    optimizers,
    batchesPerStep: () => k,
    trainStep(batches: Batch[], { rng }: StepContext) {
      let dTerms: DiscriminatorTerms | null = null;
      for (const { images, labels } of batches) {
        if (!labels) throw new GanError('INVALID_DATA', `${fn}: every batch needs labels`);
        const n = images.shape[0]!;
        const y = asColumn(labels);
        const fake = tf.tidy(
          () => generator.apply([noise(n, rng.seed()), y], { training: true }) as tf.Tensor,
        );
        if (dTerms) tf.dispose(Object.values(dTerms));
        const penaltySeed = rng.seed();
        const critic = (x: tf.Tensor) => judge(x, y);
        dTerms = discriminatorStep({
          loss,
          optimizer: optimizers.discriminator,
          variables: dVars,
          realLogits: () => critic(images),
          fakeLogits: () => critic(fake),
          penalty: () => penaltyOf(options.regularizer, critic, images, fake, penaltySeed),
          clip,
        });
        tf.dispose([fake, y]);
      }
      const last = batches[batches.length - 1]!;
      const n = last.images.shape[0]!;
      const z = noise(n, rng.seed());
      const y = tf.tensor2d(
        Array.from({ length: n }, () => rng.int(numClasses)),
        [n, 1],
        'int32',
      );
      const gLoss = optimizerStep(
        optimizers.generator,
        () => {
          const fakeLogits = judge(generator.apply([z, y], { training: true }) as tf.Tensor, y);
          // relativistic losses compare with D's view of the last real batch, with its own labels
          return generatorAdversarialTerm(loss, fakeLogits, () => judge(last.images, asColumn(last.labels!)));
        },
        gVars,
        clip,
      );
      tf.dispose([z, y]);
      const { d_loss, d_penalty } = dTerms!;
      const losses: Record<string, tf.Scalar> = { d_loss, g_loss: gLoss };
      if (d_penalty) losses.d_penalty = d_penalty;
      return losses;
    },
    sample: (count: number, seed: number) => sampleClasses(gridLabels(count, numClasses), seed),
    sampleClasses,
    gridColumns: (count: number) => Math.max(1, Math.floor(count / numClasses)),
    samplingNetwork: () => generator,
    dispose() {
      generator.dispose();
      discriminator.dispose();
      optimizers.generator.dispose();
      optimizers.discriminator.dispose();
    },
  };
}
