import { checkNumber } from '@gankit/core';
import { type AdversarialLoss, type AdversarialLossName, l1Loss } from '@gankit/losses';
import { reseedDropout } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { StepContext, Strategy } from '../engine/types.js';
import { type AdamSettings, ganAdamPair, optimizerStep, trainableVariables } from '../engine/update.js';
import { discriminatorStep, generatorAdversarialTerm, resolveAdversarialLoss } from './adversarial-steps.js';
import { checkGeneratorFits, checkPairedBatch, type PairedBatch, PairedPreview } from './paired.js';

/**
 * Options of {@link pix2pixStrategy}.
 * @category Strategies
 */
export interface Pix2pixStrategyOptions {
  /** G: input image A -> output image B (e.g. `unetGenerator`). */
  generator: tfl.LayersModel;
  /** D: [A, B] -> a map of patch logits (e.g. `patchganDiscriminator`). */
  discriminator: tfl.LayersModel;
  /** lambda, weight of the L1 term. Default 100 (Isola et al.). */
  l1Weight?: number;
  /** Adversarial loss pair. Default `non-saturating`. */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Adam settings. Default lr 2e-4, beta1 0.5, beta2 0.999 (Isola et al.). */
  optimizer?: AdamSettings;
  /** A few fixed pairs shown in sample grids (copied). */
  preview: PairedBatch;
}

/**
 * pix2pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
 * Networks"): G maps A to B; the conditional PatchGAN D sees the pair (A, B) and classifies
 * each patch as real or fake:
 *
 *   `L_D = (1/2) [ l(D(A, B), real) + l(D(A, G(A)), fake) ]`      (halved, as in the paper)
 *   `L_G = l_adv(D(A, G(A))) + lambda * ||B - G(A)||_1`
 *
 * G's dropout is its noise source (active in training); `SeededDropout` layers (as in
 * `unetGenerator`) are reseeded from the run's random stream every step, so runs resume exactly. Losses logged: `d_loss`, `g_loss`,
 * `g_adv`, `g_l1`.
 *
 * @param options - networks, lambda, loss, optimizer, preview pairs
 * @returns the strategy (it owns the networks and optimizers)
 * @throws GanError `INVALID_ARGUMENT` for a negative lambda; `SHAPE_MISMATCH` when G's output does not match B
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { pix2pixStrategy } from '@gankit/trainers';
 * const a = tfl.input({ shape: [8, 8, 1] });
 * const generator = tfl.model({ inputs: a, outputs: tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(a) as tfl.SymbolicTensor });
 * const b = tfl.input({ shape: [8, 8, 1] });
 * const ab = tfl.layers.concatenate().apply([a, b]) as tfl.SymbolicTensor;
 * const discriminator = tfl.model({ inputs: [a, b], outputs: tfl.layers.conv2d({ filters: 1, kernelSize: 4, strides: 2, padding: 'same' }).apply(ab) as tfl.SymbolicTensor });
 * const preview = { inputs: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, targets: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D };
 * const strategy = pix2pixStrategy({ generator, discriminator, preview });
 * ```
 * @category Strategies
 */
export function pix2pixStrategy(options: Pix2pixStrategyOptions): Strategy<PairedBatch, tf.Tensor4D> {
  const fn = 'pix2pixStrategy';
  const { generator, discriminator } = options;
  checkPairedBatch(fn, options.preview);
  checkGeneratorFits(fn, generator, options.preview);
  const lambda = checkNumber(fn, 'l1Weight', options.l1Weight ?? 100, { min: 0 });
  const loss = resolveAdversarialLoss(fn, options.loss);
  const optimizers = ganAdamPair(fn, options.optimizer);
  const gVars = trainableVariables(generator);
  const dVars = trainableVariables(discriminator);
  const preview = new PairedPreview(options.preview);
  const judge = (a: tf.Tensor, b: tf.Tensor) => discriminator.apply([a, b], { training: true }) as tf.Tensor;

  return {
    name: 'pix2pix',
    networks: { generator, discriminator },
    optimizers,
    batchesPerStep: () => 1,
    trainStep(batches: PairedBatch[], { rng }: StepContext) {
      const batch = batches[0]!;
      checkPairedBatch(fn, batch);
      const { inputs: a, targets: b } = batch;
      // G's dropout is its noise: fresh masks every step, reproducible from the run's seed
      reseedDropout(generator, rng.seed());
      const fake = tf.tidy(() => generator.apply(a, { training: true }) as tf.Tensor);
      const { d_loss } = discriminatorStep({
        loss,
        optimizer: optimizers.discriminator,
        variables: dVars,
        realLogits: () => judge(a, b),
        fakeLogits: () => judge(a, fake),
        weight: 0.5,
      });
      fake.dispose();
      const kept: { adv?: tf.Scalar; l1?: tf.Scalar } = {};
      const gLoss = optimizerStep(
        optimizers.generator,
        () => {
          const out = generator.apply(a, { training: true }) as tf.Tensor;
          const adv = generatorAdversarialTerm(loss, judge(a, out), () => judge(a, b));
          const l1 = l1Loss(out, b);
          kept.adv = tf.keep(tf.clone(adv));
          kept.l1 = tf.keep(tf.clone(l1));
          return tf.add(adv, tf.mul(lambda, l1)) as tf.Scalar;
        },
        gVars,
      );
      return { d_loss, g_loss: gLoss, g_adv: kept.adv!, g_l1: kept.l1! };
    },
    sample: (count: number) => preview.render(generator, count),
    gridColumns: () => 3,
    samplingNetwork: () => generator,
    dispose() {
      generator.dispose();
      discriminator.dispose();
      optimizers.generator.dispose();
      optimizers.discriminator.dispose();
      preview.dispose();
    },
  };
}
