import { checkInteger, checkNumber, formatShape, GanError, tfjsSeed } from '@gankit/core';
import {
  type AdversarialLoss,
  type AdversarialLossName,
  matchingAwareDiscriminatorLoss,
} from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch, StepContext, Strategy } from '../engine/types.js';
import {
  type AdamSettings,
  adamOptimizer,
  ganAdamPair,
  optimizerStep,
  trainableVariables,
} from '../engine/update.js';
import { type DiscriminatorRegularizer, penaltyOf } from './adversarial.js';
import {
  type DiscriminatorTerms,
  discriminatorStep,
  generatorAdversarialTerm,
  resolveAdversarialLoss,
} from './adversarial-steps.js';
import { gridLabels } from './conditional.js';

/**
 * One batch of text-to-image data: images with the embeddings of one caption each, computed
 * by a frozen text encoder outside the strategy (e.g. `@gankit/encoders`' `charCnnRnnEncoder`
 * after `trainJointEmbedding`). The trainer disposes every tensor of it after the step.
 * @category Strategies
 */
export interface TextBatch extends Batch {
  /** Real images, [batch, height, width, channels] in [-1, 1]. */
  images: tf.Tensor4D;
  /** One caption embedding per image, [batch, textDim] float32. */
  embeddings: tf.Tensor2D;
  /**
   * Optional [batch] int32 ids of what each caption describes (e.g. `class * numColours +
   * colour`): GAN-CLS's wrong text for an image is then a caption with another id (see
   * {@link wrongTextIndices}). Without them the wrong text is the next caption in the batch.
   */
  labels?: tf.Tensor1D;
}

/**
 * `cls`: GAN-CLS (matching-aware D); `int`: GAN-INT (G also learns from interpolated
 * embeddings); `int-cls`: both (Reed et al.'s best).
 * @category Strategies
 */
export type TextToImageMode = 'cls' | 'int' | 'int-cls';

/**
 * Options of {@link textToImageStrategy}.
 * @category Strategies
 */
export interface TextToImageStrategyOptions {
  /** G([z, text]) -> images in [-1, 1] (e.g. `textConditionalGenerator`). */
  generator: tfl.LayersModel;
  /** D([image, text]) -> [batch, 1] logits (e.g. `textConditionalDiscriminator`). */
  discriminator: tfl.LayersModel;
  /** Which of Reed et al.'s variants. Default `int-cls`. */
  mode?: TextToImageMode;
  /** beta of GAN-INT's `beta * t1 + (1 - beta) * t2`, in [0, 1]. Default 0.5 (the paper's). */
  interpolationBeta?: number;
  /**
   * Whether D also sees the fakes of interpolated text (as fakes, with that text). Default
   * true. Reed et al.'s reference code (`main_cls_int.lua`) trains only G on them; set false
   * to match it.
   */
  interpolatedFakesForDiscriminator?: boolean;
  /** GAN-CLS: weight of D's {fake image, right text} term. Default 0.5 (the paper averages the two fake terms). */
  fakeWeight?: number;
  /** GAN-CLS: weight of D's {real image, wrong text} term. Default 0.5. */
  wrongWeight?: number;
  /** Adversarial loss. Default `non-saturating` (D: sigmoid cross-entropy, as in the paper). */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Discriminator steps per generator step. Default 1. */
  discriminatorSteps?: number;
  /** Adam settings of G and D. Default lr 2e-4, beta1 0.5. */
  optimizer?: AdamSettings;
  /** Clip every network's gradients to this global norm. */
  clipGradientNorm?: number;
  /** A penalty on D's gradient with respect to the image (right text held fixed), logged as `d_penalty`. */
  regularizer?: DiscriminatorRegularizer;
  /**
   * The style encoder S: images -> [batch, latentDim] (e.g. `styleEncoder`). When given it is
   * trained in every step with `||z - S(G(z, t))||^2` (its own Adam) and checkpointed as
   * `styleEncoder`; {@link TextToImageStrategy.transferStyle} uses it.
   */
  styleEncoder?: tfl.LayersModel;
  /** Adam settings of S. Default: those of `optimizer`. */
  styleOptimizer?: AdamSettings;
  /** [k, textDim] embeddings of k captions shown in sample grids, one row per caption (copied). */
  preview: tf.Tensor2D;
  /** Strategy name for logs and checkpoints. Default `gan-cls`, `gan-int` or `gan-int-cls`. */
  name?: string;
}

/**
 * A text-to-image strategy: also samples given text and, with a style encoder, transfers style.
 * @category Strategies
 */
export interface TextToImageStrategy extends Strategy<TextBatch, tf.Tensor4D> {
  /** The variant. */
  readonly mode: TextToImageMode;
  /** GAN-INT's beta. */
  readonly interpolationBeta: number;
  /** The style encoder S, or null without one. */
  readonly styleEncoder: tfl.LayersModel | null;
  /**
   * @param embeddings - [n, textDim] caption embeddings
   * @param seed - seed of the latent draw
   * @returns G(z, t), [n, h, w, c] (caller owns)
   */
  sampleTexts(embeddings: tf.Tensor2D, seed: number): tf.Tensor4D;
  /**
   * Style transfer (Reed et al. section 4.4): `G(S(x), t)`, the text's content in the images' style.
   * @param images - [n, h, w, c] images in [-1, 1]
   * @param embeddings - [n, textDim] caption embeddings
   * @returns [n, h, w, c] images (caller owns)
   * @throws GanError `UNSUPPORTED` without a style encoder; `SHAPE_MISMATCH` for different counts
   */
  transferStyle(images: tf.Tensor4D, embeddings: tf.Tensor2D): tf.Tensor4D;
}

/**
 * GAN-CLS's wrong text: for each example i, the index of the first caption after it in the
 * batch (cyclically) whose label differs from i's; the next caption (a roll by one) when there
 * are no labels or none differs. Computed on the device (no read-back).
 * @param count - the batch size
 * @param labels - optional [count] int32 ids of what each caption describes
 * @returns [count] int32 indices (caller owns)
 * @throws GanError `SHAPE_MISMATCH` when labels do not have shape [count]
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { wrongTextIndices } from '@gankit/trainers';
 * const labels = tf.tensor1d([0, 0, 1], 'int32');
 * wrongTextIndices(3, labels).print(); // [2, 2, 0]
 * wrongTextIndices(3).print(); // [1, 2, 0]
 * ```
 * @category Strategies
 */
export function wrongTextIndices(count: number, labels?: tf.Tensor1D): tf.Tensor1D {
  const fn = 'wrongTextIndices';
  checkInteger(fn, 'count', count);
  if (labels && (labels.rank !== 1 || labels.shape[0] !== count)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: labels must have shape [${count}], got ${formatShape(labels.shape)}`,
    );
  }
  return tf.tidy(() => {
    const n = tf.scalar(count, 'int32');
    const one = tf.scalar(1, 'int32');
    const i = tf.range(0, count, 1, 'int32');
    if (!labels || count < 2) return tf.mod(tf.add(i, one), n) as tf.Tensor1D;
    const shifts = tf.range(1, count, 1, 'int32'); // [count - 1]
    const candidates = tf.mod(tf.add(tf.expandDims(i, 1), tf.expandDims(shifts, 0)), n); // [count, count - 1]
    const own = tf.expandDims(tf.cast(labels, 'int32'), 1);
    const differs = tf.cast(tf.notEqual(tf.gather(tf.cast(labels, 'int32'), candidates), own), 'float32');
    // unique scores: the smallest differing shift scores highest; shift 1 (0.5) when none differs
    const score = tf.add(
      tf.mul(differs, tf.sub(count, tf.cast(shifts, 'float32'))),
      tf.mul(0.5, tf.cast(tf.equal(shifts, 1), 'float32')),
    );
    const best = tf.cast(tf.argMax(score, 1), 'int32');
    return tf.mod(tf.add(i, tf.add(best, one)), n) as tf.Tensor1D;
  });
}

/**
 * GAN-INT's interpolated text embeddings, paired as in Reed et al.'s reference code: the first
 * half of the batch with the second, `beta * t[i] + (1 - beta) * t[i + m]` for `i < m =
 * floor(n / 2)` (an odd batch's last row takes no part).
 * @param embeddings - [n, textDim] caption embeddings, n >= 2
 * @param beta - the weight of the first of each pair, in [0, 1]. Default 0.5
 * @returns [floor(n / 2), textDim] embeddings (caller owns)
 * @throws GanError `INVALID_ARGUMENT` for beta outside [0, 1] or fewer than 2 rows
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { interpolateEmbeddings } from '@gankit/trainers';
 * interpolateEmbeddings(tf.tensor2d([[0, 2], [4, 6]]), 0.25).print(); // [[3, 5]]
 * ```
 * @category Strategies
 */
export function interpolateEmbeddings(embeddings: tf.Tensor2D, beta = 0.5): tf.Tensor2D {
  const fn = 'interpolateEmbeddings';
  checkNumber(fn, 'beta', beta, { min: 0, max: 1 });
  const n = embeddings.shape[0];
  if (embeddings.rank !== 2 || n < 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: embeddings must have shape [n, textDim] with n >= 2, got ${formatShape(embeddings.shape)}`,
    );
  }
  const m = Math.floor(n / 2);
  return tf.tidy(() => {
    const first = tf.slice(embeddings, [0, 0], [m, -1]);
    const second = tf.slice(embeddings, [m, 0], [m, -1]);
    return tf.add(tf.mul(first, beta), tf.mul(second, 1 - beta)) as tf.Tensor2D;
  });
}

const MODES: readonly TextToImageMode[] = ['cls', 'int', 'int-cls'];

/** The per-example width of a model input or output (everything but the batch axis). */
const widthOf = (shape: (number | null)[]) => shape.slice(1);

/**
 * Text-to-image GANs of Reed et al. 2016 ("Generative Adversarial Text to Image Synthesis"):
 * G(z, t) and D(x, t) both receive a caption embedding t from a frozen text encoder.
 *
 * With `h` the right text of a real image `x`, `h^` a wrong text (another caption of the batch
 * with a different label, {@link wrongTextIndices}) and `s = D(., .)` as logits:
 *
 * - GAN-CLS (`cls`), the matching-aware D of Algorithm 1: with cross-entropy,
 *   `L_D = -log D(x, h) - (log(1 - D(x, h^)) + log(1 - D(G(z, h), h))) / 2`, computed by
 *   `matchingAwareDiscriminatorLoss` (`fakeWeight * L(s_r, s_f) + wrongWeight * L(s_r, s_w)`,
 *   both weights 0.5), and G minimises `L_G(D(G(z, h), h))`.
 * - GAN-INT (`int`): G also learns from interpolated text `h_int = beta h_i + (1 - beta) h_j`
 *   ({@link interpolateEmbeddings}; no real image exists for it), Reed et al.'s eq. 5 term
 *   `E_{t1,t2}[log(1 - D(G(z, beta t1 + (1 - beta) t2)))]`: G's loss is `L_G` over the
 *   concatenated logits of `[G(z, h), h]` and `[G(z', h_int), h_int]` (one batch of n + m
 *   samples, as the reference code runs it), and D's plain loss `L_D(s_r, s_f)` counts the
 *   interpolated fakes among its fakes (unless `interpolatedFakesForDiscriminator` is false).
 * - GAN-INT-CLS (`int-cls`): both; the interpolated fakes join D's {fake, right text} term.
 *
 * With a style encoder S, every step also updates S on `mean_b ||z - S(G(z, t))||^2` (sum over
 * z's entries, mean over the batch; G held fixed), Reed et al. section 4.4, on the fakes D
 * just judged; logged as `s_loss`. Update order: D (k times), S, G. Batches need at least two
 * images (wrong and interpolated text come from other captions of the batch).
 *
 * @param options - networks, mode, beta, weights, loss, k, optimizers, style encoder, preview text
 * @returns the strategy (owns networks, optimizers and its copy of the preview)
 * @throws GanError `INVALID_ARGUMENT` for a bad mode, beta or weight; `SHAPE_MISMATCH` when the
 *   networks do not fit each other or the preview; at step time `INVALID_DATA` for a batch
 *   without embeddings or with fewer than 2 images, `SHAPE_MISMATCH` for embeddings of the wrong size
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { SeededRandom } from '@gankit/core';
 * import { styleEncoder, textConditionalDiscriminator, textConditionalGenerator } from '@gankit/models';
 * import { textToImageStrategy } from '@gankit/trainers';
 * const net = { imageSize: 8, channels: 3, textDim: 16, compressedTextDim: 8, baseWidth: 8 };
 * const strategy = textToImageStrategy({
 *   generator: textConditionalGenerator({ ...net, latentDim: 10 }),
 *   discriminator: textConditionalDiscriminator(net),
 *   styleEncoder: styleEncoder({ imageSize: 8, channels: 3, latentDim: 10 }),
 *   mode: 'int-cls',
 *   preview: tf.randomNormal([4, 16], 0, 1, 'float32', 1) as tf.Tensor2D,
 * });
 * const losses = strategy.trainStep(
 *   [{
 *     images: tf.randomUniform([6, 8, 8, 3], -1, 1, 'float32', 2) as tf.Tensor4D,
 *     embeddings: tf.randomNormal([6, 16], 0, 1, 'float32', 3) as tf.Tensor2D,
 *   }],
 *   { step: 1, rng: new SeededRandom(0) },
 * );
 * console.log(Object.keys(losses)); // ['d_loss', 'g_loss', 's_loss']
 * strategy.dispose();
 * ```
 * @category Strategies
 */
export function textToImageStrategy(options: TextToImageStrategyOptions): TextToImageStrategy {
  const fn = 'textToImageStrategy';
  const { generator, discriminator } = options;
  const mode = options.mode ?? 'int-cls';
  if (!MODES.includes(mode)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: mode must be ${MODES.map((m) => `'${m}'`).join(', ')}, got '${String(mode)}'`,
    );
  }
  const cls = mode !== 'int';
  const interpolate = mode !== 'cls';
  const beta = checkNumber(fn, 'interpolationBeta', options.interpolationBeta ?? 0.5, { min: 0, max: 1 });
  const dSeesInterpolated = options.interpolatedFakesForDiscriminator ?? true;
  const fakeWeight = checkNumber(fn, 'fakeWeight', options.fakeWeight ?? 0.5, { min: 0 });
  const wrongWeight = checkNumber(fn, 'wrongWeight', options.wrongWeight ?? 0.5, { min: 0 });
  const loss = resolveAdversarialLoss(fn, options.loss);
  const k = checkInteger(fn, 'discriminatorSteps', options.discriminatorSteps ?? 1);
  if (generator.inputs.length !== 2 || discriminator.inputs.length !== 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: generator and discriminator must each take two inputs ([z, text] and [image, text])`,
    );
  }
  const [zShape, gText] = generator.inputs.map((x) => widthOf(x.shape));
  const [dImage, dText] = discriminator.inputs.map((x) => widthOf(x.shape));
  const gOut = widthOf(generator.outputs[0]!.shape);
  if (zShape!.length !== 1 || gText!.length !== 1 || typeof gText![0] !== 'number') {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: generator inputs must be [batch, latentDim] and [batch, textDim], got ${formatShape(zShape as number[])} and ${formatShape(gText as number[])} per example`,
    );
  }
  const latentDim = zShape![0] as number;
  const textDim = gText![0] as number;
  if (JSON.stringify(dText) !== JSON.stringify(gText)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: the discriminator's text input ${formatShape(dText as number[])} must match the generator's ${formatShape(gText as number[])}`,
    );
  }
  if (JSON.stringify(gOut) !== JSON.stringify(dImage)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: generator output ${formatShape(gOut as number[])} does not match discriminator input ${formatShape(dImage as number[])}`,
    );
  }
  const style = options.styleEncoder ?? null;
  if (style) {
    const sIn = widthOf(style.inputs[0]!.shape);
    const sOut = widthOf(style.outputs[0]!.shape);
    if (
      style.inputs.length !== 1 ||
      JSON.stringify(sIn) !== JSON.stringify(gOut) ||
      sOut.length !== 1 ||
      sOut[0] !== latentDim
    ) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: styleEncoder must map ${formatShape(gOut as number[])} images to [${latentDim}] codes (z's size), got ${formatShape(sIn as number[])} -> ${formatShape(sOut as number[])}`,
      );
    }
  }
  const preview = options.preview;
  if (
    !(preview instanceof tf.Tensor) ||
    preview.rank !== 2 ||
    preview.shape[1] !== textDim ||
    preview.shape[0] < 1
  ) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: preview must be [k, ${textDim}] text embeddings with k >= 1, got ${preview instanceof tf.Tensor ? formatShape(preview.shape) : typeof preview}`,
    );
  }
  const previewText = tf.keep(tf.clone(preview)) as tf.Tensor2D;
  const pair = ganAdamPair(fn, options.optimizer);
  const optimizers: Record<string, tf.Optimizer> = style
    ? {
        ...pair,
        style: adamOptimizer(fn, options.styleOptimizer ?? options.optimizer ?? {}, 'styleOptimizer'),
      }
    : { ...pair };
  const gVars = trainableVariables(generator);
  const dVars = trainableVariables(discriminator);
  const sVars = style ? trainableVariables(style) : [];
  const clip = options.clipGradientNorm === undefined ? {} : { clipNorm: options.clipGradientNorm };
  const noise = (n: number, seed: number) => tf.randomNormal([n, latentDim], 0, 1, 'float32', tfjsSeed(seed));
  const judge = (x: tf.Tensor, t: tf.Tensor) => discriminator.apply([x, t], { training: true }) as tf.Tensor;
  const generate = (z: tf.Tensor, t: tf.Tensor) => generator.apply([z, t], { training: true }) as tf.Tensor;

  const checkBatch = (batch: TextBatch) => {
    if (!(batch?.images instanceof tf.Tensor) || !(batch.embeddings instanceof tf.Tensor)) {
      throw new GanError('INVALID_DATA', `${fn}: every batch needs 'images' and 'embeddings' tensors`);
    }
    const n = batch.images.shape[0]!;
    if (
      batch.embeddings.rank !== 2 ||
      batch.embeddings.shape[0] !== n ||
      batch.embeddings.shape[1] !== textDim
    ) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: batch.embeddings must have shape [${n}, ${textDim}] (one ${textDim}-value embedding per image), got ${formatShape(batch.embeddings.shape)}`,
      );
    }
    if (n < 2) {
      throw new GanError(
        'INVALID_DATA',
        `${fn}: mode '${mode}' needs batches of at least 2 images (wrong and interpolated text come from other captions of the batch), got ${n}`,
      );
    }
    return n;
  };

  /** The text G and D's fakes use: right text, then (GAN-INT) the interpolated text. Caller owns. */
  const fakeText = (h: tf.Tensor2D, withInterpolated: boolean): tf.Tensor2D =>
    withInterpolated
      ? tf.tidy(() => tf.concat([h, interpolateEmbeddings(h, beta)]) as tf.Tensor2D)
      : (tf.clone(h) as tf.Tensor2D);

  const sampleTexts = (embeddings: tf.Tensor2D, seed: number) =>
    tf.tidy(() => generator.predict([noise(embeddings.shape[0], seed), embeddings]) as tf.Tensor4D);

  return {
    name: options.name ?? `gan-${mode}`,
    mode,
    interpolationBeta: beta,
    styleEncoder: style,
    networks: style ? { generator, discriminator, styleEncoder: style } : { generator, discriminator },
    optimizers,
    batchesPerStep: () => k,
    trainStep(batches: TextBatch[], { rng }: StepContext) {
      let dTerms: DiscriminatorTerms | null = null;
      let styleLoss: tf.Scalar | null = null;
      for (const batch of batches) {
        const n = checkBatch(batch);
        const { images, embeddings: h } = batch;
        // D's fakes, generated before D's tape: [G(z, h); G(z', h_int)] in one pass
        const text = fakeText(h, interpolate && dSeesInterpolated);
        const z = noise(text.shape[0], rng.seed());
        const fakes = tf.tidy(() => generate(z, text));
        const wrong = cls ? tf.tidy(() => tf.gather(h, wrongTextIndices(n, batch.labels))) : null;
        const rightFakes = fakes.shape[0] === n ? fakes : tf.slice(fakes, 0, n);
        if (dTerms) tf.dispose(Object.values(dTerms));
        const penaltySeed = rng.seed();
        const critic = (x: tf.Tensor) => judge(x, h);
        // GAN-CLS: the pair's D loss becomes the matching-aware one, with D's view of
        // {real image, wrong text} computed on the same tape, after the real and fake logits
        const dLoss: AdversarialLoss = wrong
          ? {
              ...loss,
              discriminator: (realLogits, fakeLogits) =>
                matchingAwareDiscriminatorLoss(realLogits, fakeLogits, judge(images, wrong), {
                  loss,
                  fakeWeight,
                  wrongWeight,
                }),
            }
          : loss;
        dTerms = discriminatorStep({
          loss: dLoss,
          optimizer: pair.discriminator,
          variables: dVars,
          realLogits: () => critic(images),
          fakeLogits: () => judge(fakes, text),
          penalty: () => penaltyOf(options.regularizer, critic, images, rightFakes, penaltySeed),
          clip,
        });
        if (style && optimizers.style) {
          styleLoss?.dispose();
          // S regresses the z of the fakes D just judged; G is fixed here
          styleLoss = optimizerStep(
            optimizers.style,
            () =>
              tf.mean(tf.sum(tf.square(tf.sub(z, style.apply(fakes, { training: true }) as tf.Tensor)), 1)),
            sVars,
            clip,
          );
        }
        if (rightFakes !== fakes) rightFakes.dispose();
        tf.dispose([text, z, fakes, ...(wrong ? [wrong] : [])]);
      }
      const last = batches[batches.length - 1]!;
      const text = fakeText(last.embeddings, interpolate);
      const z = noise(text.shape[0], rng.seed());
      const gLoss = optimizerStep(
        pair.generator,
        () => {
          const fakeLogits = judge(generate(z, text), text);
          // relativistic losses compare with D's view of the last real batch, with its own text
          return generatorAdversarialTerm(loss, fakeLogits, () => judge(last.images, last.embeddings));
        },
        gVars,
        clip,
      );
      tf.dispose([text, z]);
      const { d_loss, d_penalty } = dTerms!;
      const losses: Record<string, tf.Scalar> = { d_loss, g_loss: gLoss };
      if (styleLoss) losses.s_loss = styleLoss;
      if (d_penalty) losses.d_penalty = d_penalty;
      return losses;
    },
    sample(count: number, seed: number) {
      const rows = previewText.shape[0];
      return tf.tidy(() => sampleTexts(tf.gather(previewText, gridLabels(count, rows)) as tf.Tensor2D, seed));
    },
    sampleTexts,
    transferStyle(images: tf.Tensor4D, embeddings: tf.Tensor2D) {
      if (!style) {
        throw new GanError(
          'UNSUPPORTED',
          `${fn}: transferStyle needs a styleEncoder; pass one in the options`,
        );
      }
      if (images.shape[0] !== embeddings.shape[0]) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `${fn}: transferStyle needs one embedding per image, got images ${formatShape(images.shape)} and embeddings ${formatShape(embeddings.shape)}`,
        );
      }
      return tf.tidy(
        () => generator.predict([style.predict(images) as tf.Tensor, embeddings]) as tf.Tensor4D,
      );
    },
    gridColumns: (count: number) => Math.max(1, Math.floor(count / previewText.shape[0])),
    samplingNetwork: () => generator,
    dispose() {
      generator.dispose();
      discriminator.dispose();
      style?.dispose();
      for (const o of Object.values(optimizers)) o.dispose();
      previewText.dispose();
    },
  };
}
