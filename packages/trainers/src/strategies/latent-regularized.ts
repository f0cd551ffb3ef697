import { checkNumber, formatShape, GanError } from '@gankit/core';
import type { Encoder } from '@gankit/encoders';
import {
  type AdversarialLoss,
  type AdversarialLossName,
  type FeatureExtractor,
  type LayerWeights,
  latentDistance,
  lipschitzHinge,
  perceptualLoss,
} from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Strategy } from '../engine/types.js';
import { type AdamSettings, adamOptimizer, optimizerStep, trainableVariables } from '../engine/update.js';
import { discriminatorStep, generatorAdversarialTerm, resolveAdversarialLoss } from './adversarial-steps.js';
import { checkGeneratorFits, checkPairedBatch, type PairedBatch, PairedPreview } from './paired.js';

/**
 * Options of {@link latentRegularizedStrategy}.
 * @category Strategies
 */
export interface LatentRegularizedStrategyOptions {
  /** G: z (e.g. the low-resolution image) -> y-shaped output. */
  generator: tfl.LayersModel;
  /** D: y-shaped images -> [b, 1] logits. */
  discriminator: tfl.LayersModel;
  /**
   * E: y-shaped images -> z-shaped codes. An {@link Encoder} of `@gankit/encoders` (e.g.
   * `cnnEncoder({ inputShape, targetShape })`, encoded through its `encode`; it must return one
   * tensor, not a record of taps) or a bare `tfl.LayersModel` (applied directly).
   * A frozen E (`trainable` false, or no trainable weights, when the strategy is built: a
   * fixed feature network such as a VGG) is never updated: it gets no optimizer and runs in
   * inference mode (batch-norm statistics kept, dropout off), while G's latent term still
   * back-propagates through it to G.
   */
  encoder: tfl.LayersModel | Encoder;
  /** mu1, weight of G's pixel term `||y - G(z)||`. Default 1. */
  pixelWeight?: number;
  /** mu2, weight of G's latent term `||E(y) - E(G(z))||`. Default 1. */
  latentWeight?: number;
  /** k of the Lipschitz condition `||G(z) - y|| <= k ||E(G(z)) - E(y)||`. Default 1. */
  lipschitzK?: number;
  /**
   * lambda, weight of E's Lipschitz hinge. Default 10. Where the hinge is active E's gradient
   * is `(1 - lambda * k)` times that of the latent distance, so `lambda * k` must exceed 1 for the
   * hinge to push codes apart (at exactly 1 E does not move).
   */
  lipschitzWeight?: number;
  /** Norm of every distance: `l1` (default) or `l2`. */
  norm?: 'l1' | 'l2';
  /** Weight of G's adversarial term. Default 1e-3 (as SRGAN weighs it against its content loss). */
  adversarialWeight?: number;
  /** An optional perceptual term for G: an encoder's feature distance, weighted. */
  perceptual?: { extractor: FeatureExtractor; layers?: LayerWeights; weight: number };
  /** Adversarial loss pair. Default `non-saturating`. */
  loss?: AdversarialLossName | AdversarialLoss;
  /** Adam settings for G, D and E. Default lr 1e-4, beta1 0.9, beta2 0.999. */
  optimizer?: AdamSettings;
  /** A few fixed pairs shown in sample grids (copied). */
  preview: PairedBatch;
}

/** E as the strategy uses it, whichever form it was given in. */
interface EncoderNetwork {
  /** The network: checkpointed, and the source of E's trainable weights. */
  model: tfl.LayersModel;
  /** True when E is not trained (not trainable, or nothing in it is). */
  frozen: boolean;
  /** E(x), one tensor (caller owns). */
  encode(x: tf.Tensor): tf.Tensor;
  /** Frees E. */
  dispose(): void;
}

function isEncoder(encoder: tfl.LayersModel | Encoder): encoder is Encoder {
  return typeof (encoder as Partial<Encoder>).encode === 'function' && 'model' in encoder;
}

/** Throws when an encoder returned a record of taps instead of one code tensor (disposing them). */
function checkSingleCode(fn: string, out: tf.Tensor | Record<string, tf.Tensor>): tf.Tensor {
  if (out instanceof tf.Tensor) return out;
  const names = Object.keys(out);
  tf.dispose(Object.values(out));
  throw new GanError(
    'INVALID_ARGUMENT',
    `${fn}: encoder must return one tensor (E's code, with the shape of G's input), got a record of taps {${names.join(', ')}}`,
  );
}

/**
 * Wraps E: an {@link Encoder} encodes through `encode` (checked, on one preview target, to
 * return a single tensor); a bare LayersModel is applied. A frozen E runs in inference mode,
 * so a frozen network's batch-norm statistics stay as they are and its dropout stays off.
 */
function encoderNetwork(fn: string, encoder: tfl.LayersModel | Encoder, probe: tf.Tensor4D): EncoderNetwork {
  if (isEncoder(encoder)) {
    const { model } = encoder;
    const frozen = !encoder.trainable || model.trainableWeights.length === 0;
    tf.tidy(() => {
      checkSingleCode(fn, encoder.encode(tf.slice(probe, 0, 1), { training: false }));
    });
    return {
      model,
      frozen,
      encode: (x) => checkSingleCode(fn, encoder.encode(x as tf.Tensor4D, { training: !frozen })),
      dispose: () => encoder.dispose(),
    };
  }
  const frozen = !encoder.trainable || encoder.trainableWeights.length === 0;
  return {
    model: encoder,
    frozen,
    encode: (x) => encoder.apply(x, { training: !frozen }) as tf.Tensor,
    dispose: () => encoder.dispose(),
  };
}

/** Scales a tensor so its per-sample norm becomes a per-element one (mean |.| or RMS). */
function perElement(x: tf.Tensor, norm: 'l1' | 'l2'): tf.Tensor {
  const n = x.size / x.shape[0]!;
  return tf.mul(x, norm === 'l1' ? 1 / n : 1 / Math.sqrt(n));
}

/**
 * The latent-space-regularized supervised GAN ("Optimizing Supervised GANs via Latent Space
 * Regularizations", arXiv 2001.08126). Three networks, updated in this order every step:
 *
 * - D: the adversarial loss on y (real) against G(z) (fake).
 * - E: minimises `||E(y) - E(G(z))|| + lambda * relu(||G(z) - y|| - k ||E(G(z)) - E(y)||)`; the
 *   hinge enforces the Lipschitz condition `||G(z) - y|| <= k ||E(G(z)) - E(y)||` and keeps E
 *   from collapsing to a constant.
 * - G: `w_adv * l_adv(D(G(z))) + mu1 ||y - G(z)|| + mu2 ||E(y) - E(G(z))||` (+ an optional perceptual term).
 *
 * Norms are per sample (L1 by default) and divided by the number of elements (mean absolute
 * value for L1, root mean square for L2), so the weights do not depend on image size; k
 * absorbs the ratio of the two spaces' sizes as before. Terms logged: `d_loss`, `e_loss`,
 * `e_latent`, `e_hinge`, `g_loss`, `g_adv`, `g_pixel`, `g_latent`, `g_perceptual`.
 *
 * E may be frozen (a fixed feature network such as a VGG, which the patent allows): then E's
 * step is skipped (no `encoder` optimizer, no `e_loss`), and `e_latent` and `e_hinge` are still
 * logged, as diagnostics of how well the fixed E meets the Lipschitz condition. They are taken
 * from the codes G's step computes anyway (no extra passes through E), so `e_latent` equals
 * `g_latent`. E stays in `networks`, so checkpoints save and restore it either way.
 *
 * @param options - networks, weights, norms, optimizer, preview pairs
 * @returns the strategy (it owns the networks, the encoder included, and the optimizers)
 * @throws GanError `INVALID_ARGUMENT` for negative weights or an encoder that returns a record of taps; `SHAPE_MISMATCH` when E's output does not have z's shape or G's does not match y
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { cnnEncoder } from '@gankit/encoders';
 * import { latentRegularizedStrategy } from '@gankit/trainers';
 * const conv = (filters: number, x: tfl.SymbolicTensor) =>
 *   tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same' }).apply(x) as tfl.SymbolicTensor;
 * const z = tfl.input({ shape: [4, 4, 1] });
 * const generator = tfl.model({ inputs: z, outputs: conv(1, tfl.layers.upSampling2d({ size: [2, 2] }).apply(z) as tfl.SymbolicTensor) });
 * const y = tfl.input({ shape: [8, 8, 1] });
 * const discriminator = tfl.model({ inputs: y, outputs: tfl.layers.dense({ units: 1 }).apply(tfl.layers.flatten().apply(y)) as tfl.SymbolicTensor });
 * // E: 8x8 images -> 4x4x1 codes, the shape of G's input (a bare tfl.LayersModel works too)
 * const encoder = cnnEncoder({ inputShape: [8, 8, 1], targetShape: [4, 4, 1], baseWidth: 4 });
 * const preview = { inputs: tf.zeros([2, 4, 4, 1]) as tf.Tensor4D, targets: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D };
 * const strategy = latentRegularizedStrategy({ generator, discriminator, encoder, preview, latentWeight: 0.5 });
 * ```
 * @category Strategies
 */
export function latentRegularizedStrategy(
  options: LatentRegularizedStrategyOptions,
): Strategy<PairedBatch, tf.Tensor4D> {
  const fn = 'latentRegularizedStrategy';
  const { generator, discriminator } = options;
  checkPairedBatch(fn, options.preview);
  checkGeneratorFits(fn, generator, options.preview);
  const encoderNet = encoderNetwork(fn, options.encoder, options.preview.targets);
  const { model: encoder, frozen } = encoderNet;
  const zShape = options.preview.inputs.shape.slice(1);
  const eOut = encoder.outputs[0]!.shape.slice(1);
  if (eOut.length !== zShape.length || eOut.some((d, i) => d !== null && d !== zShape[i])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: the encoder's output ${formatShape(eOut as number[])} must have the shape of G's input ${formatShape(zShape)}`,
    );
  }
  const weight = (name: string, value: number | undefined, fallback: number) =>
    checkNumber(fn, name, value ?? fallback, { min: 0 });
  const mu1 = weight('pixelWeight', options.pixelWeight, 1);
  const mu2 = weight('latentWeight', options.latentWeight, 1);
  const k = weight('lipschitzK', options.lipschitzK, 1);
  const lambda = weight('lipschitzWeight', options.lipschitzWeight, 10);
  const advWeight = weight('adversarialWeight', options.adversarialWeight, 1e-3);
  const perceptualWeight = options.perceptual ? weight('perceptual.weight', options.perceptual.weight, 0) : 0;
  const norm = options.norm ?? 'l1';
  if (norm !== 'l1' && norm !== 'l2') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: norm must be 'l1' or 'l2', got '${String(norm)}'`);
  }
  const loss = resolveAdversarialLoss(fn, options.loss);
  const settings = { learningRate: 1e-4, beta1: 0.9, beta2: 0.999, ...options.optimizer };
  // a frozen E has no optimizer (and so no slots in checkpoints)
  const optimizers: { discriminator: tf.Optimizer; encoder?: tf.Optimizer; generator: tf.Optimizer } = {
    discriminator: adamOptimizer(fn, settings),
    ...(frozen ? {} : { encoder: adamOptimizer(fn, settings) }),
    generator: adamOptimizer(fn, settings),
  };
  const vars = {
    generator: trainableVariables(generator),
    discriminator: trainableVariables(discriminator),
    encoder: frozen ? [] : trainableVariables(encoder),
  };
  const preview = new PairedPreview(options.preview);
  const distance = (a: tf.Tensor, b: tf.Tensor) =>
    latentDistance(perElement(a, norm), perElement(b, norm), { norm });
  const encode = encoderNet.encode;
  /** E's Lipschitz hinge relu(||G(z) - y|| - k ||E(G(z)) - E(y)||), per-element norms. */
  const hingeOf = (generated: tf.Tensor, target: tf.Tensor, eGenerated: tf.Tensor, eTarget: tf.Tensor) =>
    lipschitzHinge(
      {
        generated: perElement(generated, norm),
        target: perElement(target, norm),
        encodedGenerated: perElement(eGenerated, norm),
        encodedTarget: perElement(eTarget, norm),
      },
      { k, norm },
    );
  const judge = (x: tf.Tensor) => discriminator.apply(x, { training: true }) as tf.Tensor;

  return {
    name: 'latent-regularized',
    networks: { generator, discriminator, encoder },
    optimizers,
    batchesPerStep: () => 1,
    trainStep(batches: PairedBatch[]) {
      const batch = batches[0]!;
      checkPairedBatch(fn, batch);
      const { inputs: z, targets: y } = batch;
      const kept: Record<string, tf.Scalar> = {};
      const keep = (name: string, value: tf.Scalar) => {
        kept[name] = tf.keep(tf.clone(value));
        return value;
      };

      // 1. D on y vs G(z)
      const fake = tf.tidy(() => generator.apply(z, { training: true }) as tf.Tensor);
      const { d_loss } = discriminatorStep({
        loss,
        optimizer: optimizers.discriminator,
        variables: vars.discriminator,
        realLogits: () => judge(y),
        fakeLogits: () => judge(fake),
      });

      // 2. E: latent distance + lambda * Lipschitz hinge, on the same G(z); skipped for a frozen E
      const eLosses: Record<string, tf.Scalar> = {};
      if (optimizers.encoder) {
        eLosses.e_loss = optimizerStep(
          optimizers.encoder,
          () => {
            const eY = encode(y);
            const eFake = encode(fake);
            const latent = keep('e_latent', distance(eY, eFake));
            const hinge = keep('e_hinge', hingeOf(fake, y, eFake, eY));
            return tf.add(latent, tf.mul(lambda, hinge));
          },
          vars.encoder,
        );
      }
      fake.dispose();

      // 3. G: adversarial + mu1 pixel + mu2 latent (+ perceptual); only G's variables move
      const gLoss = optimizerStep(
        optimizers.generator,
        () => {
          const out = generator.apply(z, { training: true }) as tf.Tensor;
          const adv = keep(
            'g_adv',
            generatorAdversarialTerm(loss, judge(out), () => judge(y)),
          );
          const pixel = keep('g_pixel', distance(y, out));
          const eY = encode(y);
          const eOut = encode(out);
          const latent = keep('g_latent', distance(eY, eOut));
          if (frozen) {
            // E's terms as diagnostics, from the codes G's term uses (not part of G's loss)
            keep('e_latent', latent);
            keep('e_hinge', hingeOf(out, y, eOut, eY));
          }
          let total = tf.addN([tf.mul(advWeight, adv), tf.mul(mu1, pixel), tf.mul(mu2, latent)]);
          if (options.perceptual && perceptualWeight > 0) {
            const p = keep(
              'g_perceptual',
              perceptualLoss(out, y, {
                extractor: options.perceptual.extractor,
                ...(options.perceptual.layers ? { layers: options.perceptual.layers } : {}),
              }),
            );
            total = tf.add(total, tf.mul(perceptualWeight, p));
          }
          return total as tf.Scalar;
        },
        vars.generator,
      );
      return { d_loss, ...eLosses, g_loss: gLoss, ...kept };
    },
    sample: (count: number) => preview.render(generator, count),
    gridColumns: () => 3,
    samplingNetwork: () => generator,
    dispose() {
      generator.dispose();
      discriminator.dispose();
      encoderNet.dispose();
      for (const o of Object.values(optimizers)) o.dispose();
      preview.dispose();
    },
  };
}
