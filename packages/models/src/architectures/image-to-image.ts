import { checkInteger, checkNumber, GanError, SeededRandom } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededDropout } from '../layers/seeded-dropout.js';
import { spectralNormalization } from '../layers/spectral-norm.js';
import { batchNorm, dcganInit, sym } from './blocks.js';

/**
 * Options of {@link unetGenerator}.
 * @category Architectures
 */
export interface UnetGeneratorOptions {
  /** Side of the square input; a power of two, at least 2^depth. */
  inputSize: number;
  /** Input channels (e.g. 1 for edge maps). */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  /** Filters of the first encoder conv, doubled per level up to 8x. Default 64 (Isola et al.). */
  baseFilters?: number;
  /**
   * Number of stride-2 levels (encoder convs; the decoder has as many transposed convs).
   * Default log2(inputSize) capped at 8: down to a 1x1 bottleneck as in the paper's 256x256
   * U-Net (8 levels); larger inputs keep 8 levels and a larger bottleneck. 32x32 gives 5.
   */
  depth?: number;
  /** Dropout rate of the first three decoder levels (G's noise). Default 0.5. */
  dropout?: number;
  /** Seed of the initialisers and of the dropout layers' first masks. Default 0. */
  seed?: number;
}

/**
 * Options of {@link patchganDiscriminator}.
 * @category Architectures
 */
export interface PatchganDiscriminatorOptions {
  /** Height of the inputs, and their width unless `inputWidth` is given. */
  inputSize: number;
  /** Width of the inputs when they are not square (a spectrogram segment: bins x frames). */
  inputWidth?: number;
  /** Channels of the condition image A; 0 for an unconditional PatchGAN that judges B alone (CycleGAN's D). */
  conditionChannels: number;
  /** Channels of the judged image B. */
  imageChannels: number;
  /** Filters of the first conv, doubled per layer up to 8x. Default 64. */
  baseFilters?: number;
  /** Stride-2 convs (3 gives the 70x70 PatchGAN; 1 the 16x16, 2 the 34x34). Default 3. */
  layers?: number;
  /** Batch norm after every conv but the first and the last (Isola et al.). Default true. */
  batchNorm?: boolean;
  /** Wrap every conv in spectral normalization (Miyato et al. 2018). Default false. */
  spectralNorm?: boolean;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/**
 * The U-Net generator of pix2pix (Isola et al. 2017, "Image-to-Image Translation with
 * Conditional Adversarial Networks", appendix 6.1.1): an encoder of 4x4 stride-2 convs
 * (C64-C128-C256-C512-..., batch norm on all but the first, LeakyReLU 0.2), a decoder of 4x4
 * stride-2 transposed convs (batch norm, ReLU, dropout 0.5 on the first three levels) with
 * skip connections concatenating each encoder level to the decoder level of the same size,
 * and a tanh output. The dropout is G's only noise, active only when the model is applied
 * with `training: true`; it uses `SeededDropout`, which training strategies reseed every step
 * so runs are reproducible and resume exactly. As in the reference implementation the
 * innermost encoder conv has no batch norm (at 1x1 it would normalise a single pixel). For
 * 28x28 data, pad to 32x32 (depth 5, down to 1x1).
 *
 * @param options - size, channels, width, depth, dropout, seed
 * @returns a tf.LayersModel mapping [b, s, s, inChannels] to [b, s, s, outChannels]
 * @throws GanError `INVALID_ARGUMENT` naming the option: an inputSize that is not a power of
 * two or too small for the depth, a dropout outside [0, 0.99], non-positive sizes
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { unetGenerator } from '@gankit/models';
 * const g = unetGenerator({ inputSize: 32, inChannels: 1, outChannels: 1, baseFilters: 8 });
 * const y = g.predict(tf.zeros([2, 32, 32, 1])) as tf.Tensor; // [2, 32, 32, 1]
 * ```
 * @category Architectures
 */
export function unetGenerator(options: UnetGeneratorOptions): tfl.LayersModel {
  const fn = 'unetGenerator';
  const size = checkInteger(fn, 'inputSize', options.inputSize, 2);
  if ((size & (size - 1)) !== 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: inputSize must be a power of two, got ${size}`);
  }
  const depth = checkInteger(fn, 'depth', options.depth ?? Math.min(Math.log2(size), 8));
  if (2 ** depth > size) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: depth ${depth} needs an inputSize of at least ${2 ** depth}, got ${size}`,
    );
  }
  const inChannels = checkInteger(fn, 'inChannels', options.inChannels);
  const outChannels = checkInteger(fn, 'outChannels', options.outChannels);
  const base = checkInteger(fn, 'baseFilters', options.baseFilters ?? 64);
  const rate = checkNumber(fn, 'dropout', options.dropout ?? 0.5, { min: 0, max: 0.99 });
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => dcganInit(rng);
  const width = (level: number) => base * 2 ** Math.min(level, 3);

  const input = tfl.input({ shape: [size, size, inChannels], name: 'condition' });
  const skips: tfl.SymbolicTensor[] = [];
  let h = input;
  for (let i = 0; i < depth; i++) {
    h = sym(
      tfl.layers.conv2d({
        filters: width(i),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: i === 0 || i === depth - 1,
        kernelInitializer: init(),
        name: `down${i + 1}`,
      }),
      h,
    );
    // no norm on the first level, nor on the innermost one (at 1x1, a statistic of one pixel)
    if (i > 0 && i < depth - 1) {
      h = sym(batchNorm(`down${i + 1}_bn`), h);
    }
    h = sym(tfl.layers.leakyReLU({ alpha: 0.2, name: `down${i + 1}_lrelu` }), h);
    skips.push(h);
  }
  for (let j = depth - 2; j >= 0; j--) {
    const level = depth - 1 - j;
    h = sym(
      tfl.layers.conv2dTranspose({
        filters: width(j),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
        name: `up${level}`,
      }),
      h,
    );
    h = sym(batchNorm(`up${level}_bn`), h);
    if (level <= 3 && rate > 0) {
      h = sym(seededDropout({ rate, seed: rng.int(2 ** 30), name: `up${level}_dropout` }), h);
    }
    h = sym(tfl.layers.reLU({ name: `up${level}_relu` }), h);
    h = sym(tfl.layers.concatenate({ name: `up${level}_skip` }), [h, skips[j]!]);
  }
  const out = sym(
    tfl.layers.conv2dTranspose({
      filters: outChannels,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(),
      name: 'output',
    }),
    h,
  );
  return tfl.model({ inputs: input, outputs: out, name: 'unet' });
}

/**
 * The PatchGAN discriminator of pix2pix (Isola et al. 2017): the condition A and the image B
 * concatenated along channels inside the model (A first), `layers` 4x4 stride-2 convs
 * (C64-C128-C256, batch norm on all but the first, LeakyReLU 0.2), a stride-1 C512, and a
 * stride-1 conv to one logit per patch (no sigmoid). With 3 stride-2 layers each logit sees a
 * 70x70 patch of the input. It takes two inputs, [A, B], or B alone with `conditionChannels: 0`
 * (CycleGAN's D, Zhu et al. 2017); with 'same' padding the logit map is
 * ceil(inputSize / 2^layers) on a side (4x4 for 32x32 inputs, 32x32 for 256x256, where the
 * reference's zero padding of 1 gives 30x30).
 *
 * @param options - size, channels of A and B, width, layers, batch norm, spectral norm, seed
 * @returns a tf.LayersModel mapping [A, B] (or B) to [b, h', w', 1] patch logits
 * @throws GanError `INVALID_ARGUMENT` naming the option: an inputSize below 2^layers, non-positive sizes
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { patchganDiscriminator } from '@gankit/models';
 * const d = patchganDiscriminator({ inputSize: 32, conditionChannels: 1, imageChannels: 1, baseFilters: 8 });
 * const logits = d.predict([tf.zeros([2, 32, 32, 1]), tf.zeros([2, 32, 32, 1])]) as tf.Tensor; // [2, 4, 4, 1]
 * ```
 * @category Architectures
 */
export function patchganDiscriminator(options: PatchganDiscriminatorOptions): tfl.LayersModel {
  const fn = 'patchganDiscriminator';
  const layers = checkInteger(fn, 'layers', options.layers ?? 3);
  const size = checkInteger(fn, 'inputSize', options.inputSize, 2 ** layers);
  const width = checkInteger(fn, 'inputWidth', options.inputWidth ?? size, 2 ** layers);
  const conditionChannels = checkInteger(fn, 'conditionChannels', options.conditionChannels, 0);
  const a =
    conditionChannels > 0 ? tfl.input({ shape: [size, width, conditionChannels], name: 'condition' }) : null;
  const b = tfl.input({
    shape: [size, width, checkInteger(fn, 'imageChannels', options.imageChannels)],
    name: 'image',
  });
  const base = checkInteger(fn, 'baseFilters', options.baseFilters ?? 64);
  const useBatchNorm = options.batchNorm ?? true;
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => dcganInit(rng);
  const sn = (layer: tfl.layers.Layer) =>
    options.spectralNorm
      ? spectralNormalization({ layer, seed: rng.seed(), name: `${layer.name}_sn` })
      : layer;
  let h = a ? sym(tfl.layers.concatenate({ name: 'pair' }), [a, b]) : b;
  for (let i = 0; i <= layers; i++) {
    const last = i === layers;
    const norm = useBatchNorm && i > 0;
    h = sym(
      sn(
        tfl.layers.conv2d({
          filters: base * 2 ** Math.min(i, 3),
          kernelSize: 4,
          strides: last ? 1 : 2,
          padding: 'same',
          useBias: !norm,
          kernelInitializer: init(),
          name: `conv${i + 1}`,
        }),
      ),
      h,
    );
    if (norm) h = sym(batchNorm(`conv${i + 1}_bn`), h);
    h = sym(tfl.layers.leakyReLU({ alpha: 0.2, name: `conv${i + 1}_lrelu` }), h);
  }
  const logits = sym(
    sn(
      tfl.layers.conv2d({
        filters: 1,
        kernelSize: 4,
        padding: 'same',
        kernelInitializer: init(),
        name: 'patch_logits',
      }),
    ),
    h,
  );
  return tfl.model({ inputs: a ? [a, b] : b, outputs: logits, name: 'patchgan' });
}
