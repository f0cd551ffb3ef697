import { checkInteger, checkNumber, formatShape, GanError } from '@gankit/core';
import {
  type AdversarialLoss,
  type AdversarialLossName,
  type ContentLoss,
  type FeatureExtractor,
  type LayerWeights,
  l1Loss,
  l2Loss,
  perceptualLoss,
  totalVariationLoss,
} from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { StepContext, Strategy } from '../engine/types.js';
import { type AdamSettings, adamOptimizer, optimizerStep, trainableVariables } from '../engine/update.js';
import { discriminatorStep, generatorAdversarialTerm, resolveAdversarialLoss } from './adversarial-steps.js';
import { checkGeneratorFits, checkPairedBatch, type PairedBatch, PairedPreview } from './paired.js';

/**
 * The built-in pixel losses of {@link srganStrategy}'s content term, spelled as in
 * `@gankit/losses`: `l1` (mean absolute error, `l1Loss`) and `l2` (mean squared error,
 * `l2Loss`: SRResNet's and SRGAN-MSE's).
 * @category Strategies
 */
export type PixelLossName = 'l1' | 'l2';

/**
 * `mse`, the former name of `l2`: the same mean squared error, with identical numbers.
 * @deprecated Use `'l2'`. `'mse'` is still accepted so existing configs keep working.
 */
type DeprecatedPixelLossName = 'mse';

/**
 * Options of {@link srganStrategy}.
 * @category Strategies
 */
export interface SrganStrategyOptions {
  /** G: low-resolution `[b, h, w, c]` -> high-resolution `[b, s*h, s*w, c]` (e.g. `srresnetGenerator`). */
  generator: tfl.LayersModel;
  /** D: high-resolution images -> [b, 1] logits. Omit to train SRResNet (content loss only). */
  discriminator?: tfl.LayersModel;
  /**
   * G's content term `l_content(G(x_LR), x_HR)`: a pixel loss by name (`l2`, the default, or
   * `l1`), a content loss function `(prediction, target) => tf.Scalar` (the `ContentLoss` type
   * of `@gankit/losses`, e.g. `resolveLoss('charbonnier', 'content')`), or a perceptual term
   * `{ kind: 'perceptual', extractor, layers?, scale? }`: the distance of an encoder's feature
   * maps (SRGAN's VGG content loss: VGG19 `block5_conv4` is VGG54, `block2_conv2` VGG22),
   * multiplied by `scale`. `'mse'` is a deprecated alias of `'l2'` (identical numbers).
   */
  content?:
    | PixelLossName
    | DeprecatedPixelLossName
    | ContentLoss
    | { kind: 'perceptual'; extractor: FeatureExtractor; layers?: LayerWeights; scale?: number };
  /** Weight of G's adversarial term. Default 1e-3 (Ledig et al.). */
  adversarialWeight?: number;
  /** Weight of the total-variation term on G's output. Default 0 (SRGAN used 2e-8). */
  totalVariationWeight?: number;
  /** Steps at the start that train G on pixel MSE (`l2`) alone (the SRResNet initialisation). Default 0. */
  pretrainSteps?: number;
  /** Adversarial loss pair. Default `non-saturating`. */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Adam settings for both networks. Default lr 1e-4, beta1 0.9, beta2 0.999 (Ledig et al.). */
  optimizer?: AdamSettings;
  /** A few fixed pairs shown in sample grids (copied; the caller keeps ownership). */
  preview: PairedBatch;
}

/**
 * SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative
 * Adversarial Network"): G minimises the perceptual loss
 *
 *   `l_SR = l_content(G(x_LR), x_HR) + 1e-3 * l_adv(D(G(x_LR))) + w_TV * TV(G(x_LR))`
 *
 * with `l_content` a pixel MSE (SRGAN-MSE) or the distance of feature maps (SRGAN-VGG), and D
 * learns HR images against G's outputs. Without a discriminator it is SRResNet: G trained on
 * the content loss alone. `pretrainSteps` first trains G on MSE only, as the paper
 * initialises SRGAN from SRResNet. Losses logged: `g_loss`, `g_content`, `g_adv`, `g_tv`, `d_loss`.
 *
 * @param options - networks, content and adversarial terms, schedule, optimizer, preview pairs
 * @returns the strategy (it owns the networks and optimizers)
 * @throws GanError `INVALID_ARGUMENT` for negative weights or an unknown content term; `SHAPE_MISMATCH` when G's output does not match the targets, or (during a step) when a content loss function returns a non-scalar
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { srganStrategy } from '@gankit/trainers';
 * const x = tfl.input({ shape: [8, 8, 1] });
 * const up = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor;
 * const generator = tfl.model({ inputs: x, outputs: tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same' }).apply(up) as tfl.SymbolicTensor });
 * const preview = { inputs: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, targets: tf.zeros([2, 16, 16, 1]) as tf.Tensor4D };
 * const srresnet = srganStrategy({ generator, preview }); // content loss only
 * ```
 * @category Strategies
 */
export function srganStrategy(options: SrganStrategyOptions): Strategy<PairedBatch, tf.Tensor4D> {
  const fn = 'srganStrategy';
  const { generator, discriminator } = options;
  checkPairedBatch(fn, options.preview);
  checkGeneratorFits(fn, generator, options.preview);
  const adversarialWeight = checkNumber(fn, 'adversarialWeight', options.adversarialWeight ?? 1e-3, {
    min: 0,
  });
  const tvWeight = checkNumber(fn, 'totalVariationWeight', options.totalVariationWeight ?? 0, { min: 0 });
  const pretrainSteps =
    options.pretrainSteps === undefined || options.pretrainSteps === 0
      ? 0
      : checkInteger(fn, 'pretrainSteps', options.pretrainSteps);
  const content = options.content ?? 'l2';
  if (
    content !== 'l1' &&
    content !== 'l2' &&
    content !== 'mse' &&
    typeof content !== 'function' &&
    content?.kind !== 'perceptual'
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: content must be 'l1', 'l2', a content loss function (prediction, target) => tf.Scalar or { kind: 'perceptual', extractor }, got ${JSON.stringify(content)}`,
    );
  }
  const contentLoss = (out: tf.Tensor, target: tf.Tensor): tf.Scalar => {
    if (content === 'l2' || content === 'mse') return l2Loss(out, target);
    if (content === 'l1') return l1Loss(out, target);
    if (typeof content === 'function') {
      const value = content(out, target);
      if (!(value instanceof tf.Tensor) || value.rank !== 0) {
        const got = value instanceof tf.Tensor ? `shape ${formatShape(value.shape)}` : typeof value;
        throw new GanError(
          'SHAPE_MISMATCH',
          `${fn}: the content loss function must return a scalar, got ${got}`,
        );
      }
      return value;
    }
    const value = perceptualLoss(out, target, {
      extractor: content.extractor,
      ...(content.layers ? { layers: content.layers } : {}),
    });
    // Ledig et al. rescale VGG features by 1/12.75; `scale` multiplies the term
    return content.scale === undefined ? value : tf.mul(value, content.scale);
  };
  const loss = resolveAdversarialLoss(fn, options.loss);
  const settings = { learningRate: 1e-4, beta1: 0.9, beta2: 0.999, ...options.optimizer };
  const optimizers: Record<string, tf.Optimizer> = { generator: adamOptimizer(fn, settings) };
  if (discriminator) optimizers.discriminator = adamOptimizer(fn, settings);
  const gVars = trainableVariables(generator);
  const dVars = discriminator ? trainableVariables(discriminator) : [];
  const preview = new PairedPreview(options.preview);
  const judge = (x: tf.Tensor) => discriminator!.apply(x, { training: true }) as tf.Tensor;

  return {
    name: discriminator ? 'srgan' : 'srresnet',
    networks: discriminator ? { generator, discriminator } : { generator },
    optimizers,
    batchesPerStep: () => 1,
    trainStep(batches: PairedBatch[], { step }: StepContext) {
      const batch = batches[0]!;
      checkPairedBatch(fn, batch);
      const { inputs, targets } = batch;
      const adversarial = discriminator !== undefined && step > pretrainSteps;
      const losses: Record<string, tf.Scalar> = {};
      if (adversarial) {
        const fake = tf.tidy(() => generator.apply(inputs, { training: true }) as tf.Tensor);
        losses.d_loss = discriminatorStep({
          loss,
          optimizer: optimizers.discriminator!,
          variables: dVars,
          realLogits: () => judge(targets),
          fakeLogits: () => judge(fake),
        }).d_loss;
        fake.dispose();
      }
      const terms: { content?: tf.Scalar; adv?: tf.Scalar; tv?: tf.Scalar } = {};
      losses.g_loss = optimizerStep(
        optimizers.generator!,
        () => {
          const out = generator.apply(inputs, { training: true }) as tf.Tensor;
          // pre-training is SRResNet's pixel MSE (l2), whatever the content loss
          const c = step <= pretrainSteps ? l2Loss(out, targets) : contentLoss(out, targets);
          terms.content = tf.keep(tf.clone(c));
          let total: tf.Scalar = c;
          if (adversarial) {
            const a = generatorAdversarialTerm(loss, judge(out), () => judge(targets));
            terms.adv = tf.keep(tf.clone(a));
            total = tf.add(total, tf.mul(adversarialWeight, a));
          }
          if (tvWeight > 0) {
            const tv = totalVariationLoss(out);
            terms.tv = tf.keep(tf.clone(tv));
            total = tf.add(total, tf.mul(tvWeight, tv));
          }
          return total;
        },
        gVars,
      );
      losses.g_content = terms.content!;
      if (terms.adv) losses.g_adv = terms.adv;
      if (terms.tv) losses.g_tv = terms.tv;
      return losses;
    },
    sample: (count: number) => preview.render(generator, count),
    gridColumns: () => 3,
    samplingNetwork: () => generator,
    dispose() {
      generator.dispose();
      discriminator?.dispose();
      for (const o of Object.values(optimizers)) o.dispose();
      preview.dispose();
    },
  };
}
