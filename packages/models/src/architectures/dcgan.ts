import { checkInteger, GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-layers';
import { spectralNormalization } from '../layers/spectral-norm.js';
import { batchNorm, dcganInit } from './blocks.js';

/**
 * Options of {@link dcganGenerator}.
 * @category Architectures
 */
export interface DcganGeneratorOptions {
  /** Output height and width; must be `s * 2^n` with `3 <= s <= 7` (e.g. 28, 32, 64). */
  imageSize: number;
  /** Output channels (1 grayscale, 3 RGB). */
  channels: number;
  /** Length of the latent vector z. Default 100. */
  latentDim?: number;
  /** Width of the last hidden layer; doubled at every coarser resolution. Default 64. */
  baseWidth?: number;
  /** Seed for the weight initialisers (N(0, 0.02) as in Radford et al.). Default 0. */
  seed?: number;
}

/**
 * Options of {@link dcganDiscriminator}.
 * @category Architectures
 */
export interface DcganDiscriminatorOptions {
  /** Input height and width; same rule as the generator's. */
  imageSize: number;
  /** Input channels. */
  channels: number;
  /** Width of the first conv layer; doubled at every stride-2 step. Default 64. */
  baseWidth?: number;
  /**
   * Batch norm after every conv but the first, as Radford et al. Default false: with real and
   * fake images in separate batches, batch statistics tell the critic which batch it is seeing.
   */
  batchNorm?: boolean;
  /** LeakyReLU slope. Default 0.2. */
  leakySlope?: number;
  /** Wrap every conv and dense layer in spectral normalization (Miyato et al. 2018). Default false. */
  spectralNorm?: boolean;
  /** Seed for the weight initialisers. Default 0. */
  seed?: number;
}

/**
 * Splits an image size into a start size s (3..7) and n stride-2 steps: size = s * 2^n.
 * @internal
 */
export function dcganResolutionSteps(fn: string, imageSize: number): { start: number; steps: number } {
  checkInteger(fn, 'imageSize', imageSize, 4);
  let start = imageSize;
  let steps = 0;
  while (start % 2 === 0 && start / 2 >= 3) {
    start /= 2;
    steps++;
  }
  if (steps === 0 || start > 7) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: imageSize must be s * 2^n with 3 <= s <= 7 and n >= 1 (e.g. 28, 32, 64), got ${imageSize}`,
    );
  }
  return { start, steps };
}

/**
 * The DCGAN generator (Radford, Metz & Chintala 2015): dense projection of z to a small
 * feature map, then stride-2 transposed convolutions with batch norm and ReLU, tanh output
 * in [-1, 1]. For 28x28x1 with baseWidth 64: `dense(7*7*128)` - BN - ReLU - convT(64) - BN - ReLU -
 * convT(1) - tanh.
 *
 * @param options - image size, channels, latent size, width, seed
 * @returns an uncompiled tf.LayersModel mapping [batch, latentDim] to [batch, size, size, channels]
 * @throws GanError `INVALID_ARGUMENT` for sizes that do not halve down to 3..7 or non-positive widths
 * @example
 * ```ts
 * import { dcganGenerator } from '@gankit/models';
 * const g = dcganGenerator({ imageSize: 28, channels: 1, latentDim: 100 });
 * console.log(g.outputs[0].shape); // [null, 28, 28, 1]
 * ```
 * @category Architectures
 */
export function dcganGenerator(options: DcganGeneratorOptions): tf.LayersModel {
  const fn = 'dcganGenerator';
  const { start, steps } = dcganResolutionSteps(fn, options.imageSize);
  const channels = checkInteger(fn, 'channels', options.channels);
  const latentDim = checkInteger(fn, 'latentDim', options.latentDim ?? 100);
  const base = checkInteger(fn, 'baseWidth', options.baseWidth ?? 64);
  const rng = new SeededRandom(options.seed ?? 0);

  const z = tf.input({ shape: [latentDim], name: 'z' });
  const width0 = base * 2 ** (steps - 1);
  let h = tf.layers
    .dense({
      units: start * start * width0,
      useBias: false,
      kernelInitializer: dcganInit(rng),
      name: 'project',
    })
    .apply(z) as tf.SymbolicTensor;
  h = batchNorm('project_bn').apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'project_relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .reshape({ targetShape: [start, start, width0], name: 'project_reshape' })
    .apply(h) as tf.SymbolicTensor;
  for (let i = 1; i < steps; i++) {
    h = tf.layers
      .conv2dTranspose({
        filters: base * 2 ** (steps - 1 - i),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: dcganInit(rng),
        name: `up${i}`,
      })
      .apply(h) as tf.SymbolicTensor;
    h = batchNorm(`up${i}_bn`).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ name: `up${i}_relu` }).apply(h) as tf.SymbolicTensor;
  }
  const out = tf.layers
    .conv2dTranspose({
      filters: channels,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: dcganInit(rng),
      name: 'to_image',
    })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: z, outputs: out, name: 'generator' });
}

/**
 * The DCGAN discriminator: stride-2 convolutions with LeakyReLU (optionally batch norm),
 * flattened to one logit per image. For 28x28 with baseWidth 64: conv(64) - LReLU - conv(128) -
 * LReLU - dense(1). Outputs logits, not probabilities: the losses take logits.
 *
 * @param options - image size, channels, width, batch norm, slope, seed
 * @returns an uncompiled tf.LayersModel mapping [batch, size, size, channels] to [batch, 1] logits
 * @throws GanError `INVALID_ARGUMENT` for bad sizes or widths
 * @example
 * ```ts
 * import { dcganDiscriminator } from '@gankit/models';
 * const d = dcganDiscriminator({ imageSize: 28, channels: 1 });
 * console.log(d.outputs[0].shape); // [null, 1]
 * ```
 * @category Architectures
 */
export function dcganDiscriminator(options: DcganDiscriminatorOptions): tf.LayersModel {
  const fn = 'dcganDiscriminator';
  const { steps } = dcganResolutionSteps(fn, options.imageSize);
  const channels = checkInteger(fn, 'channels', options.channels);
  const base = checkInteger(fn, 'baseWidth', options.baseWidth ?? 64);
  const slope = options.leakySlope ?? 0.2;
  const rng = new SeededRandom(options.seed ?? 0);

  const sn = (layer: tf.layers.Layer) =>
    options.spectralNorm ? spectralNormalization({ layer, seed: rng.seed() }) : layer;
  const x = tf.input({ shape: [options.imageSize, options.imageSize, channels], name: 'image' });
  let h: tf.SymbolicTensor = x;
  for (let i = 0; i < steps; i++) {
    h = sn(
      tf.layers.conv2d({
        filters: base * 2 ** i,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: !(options.batchNorm && i > 0),
        kernelInitializer: dcganInit(rng),
        name: `down${i + 1}`,
      }),
    ).apply(h) as tf.SymbolicTensor;
    if (options.batchNorm && i > 0) {
      h = batchNorm(`down${i + 1}_bn`).apply(h) as tf.SymbolicTensor;
    }
    h = tf.layers.leakyReLU({ alpha: slope, name: `down${i + 1}_lrelu` }).apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  const logit = sn(tf.layers.dense({ units: 1, kernelInitializer: dcganInit(rng), name: 'logit' })).apply(
    h,
  ) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: logit, name: 'discriminator' });
}
