import { checkInteger, GanError, SeededRandom } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { spectralNormalization } from '../layers/spectral-norm.js';
import { heInit } from './blocks.js';

/**
 * Options of {@link mlpGenerator}.
 * @category Architectures
 */
export interface MlpGeneratorOptions {
  /** Length of the latent vector z. */
  latentDim: number;
  /** Length of each generated sample (2 for 2-D toy data). */
  outputDim: number;
  /** Hidden layer widths. Default [128, 128]. */
  hidden?: number[];
  /** Output activation: `linear` (default, for unbounded data) or `tanh` (data in [-1, 1]). */
  outputActivation?: 'linear' | 'tanh';
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/**
 * Options of {@link mlpDiscriminator}.
 * @category Architectures
 */
export interface MlpDiscriminatorOptions {
  /** Length of each input sample. */
  inputDim: number;
  /** Hidden layer widths. Default [128, 128]. */
  hidden?: number[];
  /** LeakyReLU slope. Default 0.2. */
  leakySlope?: number;
  /** Wrap every dense layer in spectral normalization (Miyato et al. 2018). Default false. */
  spectralNorm?: boolean;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

function hiddenWidths(fn: string, hidden: number[] | undefined): number[] {
  const widths = hidden ?? [128, 128];
  if (!Array.isArray(widths) || widths.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: hidden must be a non-empty array of widths, got ${JSON.stringify(hidden)}`,
    );
  }
  for (const [i, w] of widths.entries()) checkInteger(fn, `hidden[${i}]`, w);
  return widths;
}

/**
 * The multilayer-perceptron generator of Goodfellow et al. 2014: dense layers with ReLU,
 * a linear (or tanh) output. Used for the 2-D mixture-of-Gaussians demos.
 * @param options - latent size, output size, hidden widths, seed
 * @returns a tf.LayersModel mapping [batch, latentDim] to [batch, outputDim]
 * @throws GanError `INVALID_ARGUMENT` for non-positive sizes
 * @example
 * ```ts
 * import { mlpGenerator } from '@gankit/models';
 * const g = mlpGenerator({ latentDim: 16, outputDim: 2 });
 * ```
 * @category Architectures
 */
export function mlpGenerator(options: MlpGeneratorOptions): tfl.LayersModel {
  const fn = 'mlpGenerator';
  const latentDim = checkInteger(fn, 'latentDim', options.latentDim);
  const outputDim = checkInteger(fn, 'outputDim', options.outputDim);
  const rng = new SeededRandom(options.seed ?? 0);
  const z = tfl.input({ shape: [latentDim], name: 'z' });
  let h: tfl.SymbolicTensor = z;
  hiddenWidths(fn, options.hidden).forEach((units, i) => {
    h = tfl.layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: heInit(rng),
        name: `hidden${i + 1}`,
      })
      .apply(h) as tfl.SymbolicTensor;
  });
  const out = tfl.layers
    .dense({
      units: outputDim,
      activation: options.outputActivation ?? 'linear',
      kernelInitializer: tfl.initializers.glorotNormal({ seed: rng.seed() }),
      name: 'sample',
    })
    .apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: z, outputs: out, name: 'generator' });
}

/**
 * A multilayer-perceptron discriminator: dense layers with LeakyReLU, one logit per sample.
 * @param options - input size, hidden widths, slope, seed
 * @returns a tf.LayersModel mapping [batch, inputDim] to [batch, 1] logits
 * @throws GanError `INVALID_ARGUMENT` for non-positive sizes
 * @example
 * ```ts
 * import { mlpDiscriminator } from '@gankit/models';
 * const d = mlpDiscriminator({ inputDim: 2 });
 * ```
 * @category Architectures
 */
export function mlpDiscriminator(options: MlpDiscriminatorOptions): tfl.LayersModel {
  const fn = 'mlpDiscriminator';
  const inputDim = checkInteger(fn, 'inputDim', options.inputDim);
  const rng = new SeededRandom(options.seed ?? 0);
  const sn = (layer: tfl.layers.Layer) =>
    options.spectralNorm ? spectralNormalization({ layer, seed: rng.seed() }) : layer;
  const x = tfl.input({ shape: [inputDim], name: 'sample' });
  let h: tfl.SymbolicTensor = x;
  hiddenWidths(fn, options.hidden).forEach((units, i) => {
    const dense = tfl.layers.dense({
      units,
      kernelInitializer: heInit(rng),
      name: `hidden${i + 1}`,
    });
    h = sn(dense).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.leakyReLU({ alpha: options.leakySlope ?? 0.2 }).apply(h) as tfl.SymbolicTensor;
  });
  const out = tfl.layers.dense({
    units: 1,
    kernelInitializer: tfl.initializers.glorotNormal({ seed: rng.seed() }),
    name: 'logit',
  });
  const logit = sn(out).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: logit, name: 'discriminator' });
}
