import { checkInteger, GanError, SeededRandom } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LatentSlice, PyramidUpsample } from '../pyramid/layers.js';
import { batchNorm, dcganInit, heInit, sym } from './blocks.js';

/**
 * Options shared by the LAPGAN level networks.
 * @category Architectures
 */
export interface LapganLevelOptions {
  /** The level's height and width. */
  size: number;
  /** Image channels. */
  channels: number;
  /** Class-conditional with this many classes: an extra `[batch, 1]` int32 label input. */
  numClasses?: number;
  /** Prefix of every layer name, unique per network of a pyramid (their weights are saved side by side). */
  name: string;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/** Options of {@link lapganCoarseGenerator}. @category Architectures */
export interface LapganCoarseGeneratorOptions extends LapganLevelOptions {
  /** Latent size. Default 100. */
  latentDim?: number;
  /** Hidden layer widths. Default `[1200, 1200]` (Denton et al.'s coarsest CIFAR-10 generator). */
  hidden?: number[];
}

/** Options of {@link lapganCoarseDiscriminator}. @category Architectures */
export interface LapganCoarseDiscriminatorOptions extends LapganLevelOptions {
  /** Hidden layer widths. Default `[600, 600]`. */
  hidden?: number[];
}

/** Options of {@link lapganLevelGenerator} and {@link lapganLevelDiscriminator}. @category Architectures */
export interface LapganConvOptions extends LapganLevelOptions {
  /** Feature maps of the hidden convolutions. Default 64. */
  width?: number;
  /** Convolution kernel size. Default 5 (Denton et al.). */
  kernelSize?: number;
}

function checkLevel(fn: string, o: LapganLevelOptions) {
  const size = checkInteger(fn, 'size', o.size, 2);
  const channels = checkInteger(fn, 'channels', o.channels);
  if (o.numClasses !== undefined && (!Number.isInteger(o.numClasses) || o.numClasses < 2)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: numClasses must be an integer >= 2, got ${o.numClasses}`);
  }
  if (typeof o.name !== 'string' || o.name.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: name must be a non-empty layer-name prefix`);
  }
  return { size, channels, rng: new SeededRandom(o.seed ?? 0) };
}

function widths(fn: string, hidden: number[]): number[] {
  if (!Array.isArray(hidden) || hidden.length === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: hidden must list at least one width, got ${JSON.stringify(hidden)}`,
    );
  }
  return hidden.map((u, i) => checkInteger(fn, `hidden[${i}]`, u));
}

const labelInput = (name: string) => tfl.input({ shape: [1], dtype: 'int32', name: `${name}_label` });

/** The label as a learned `[size, size, 1]` plane (Denton et al.: a linear map of the one-hot code). */
function labelPlane(
  label: tfl.SymbolicTensor,
  numClasses: number,
  size: number,
  name: string,
  rng: SeededRandom,
) {
  const embedded = sym(
    tfl.layers.embedding({
      inputDim: numClasses,
      outputDim: size * size,
      embeddingsInitializer: dcganInit(rng),
      name: `${name}_label_plane`,
    }),
    label,
  );
  return sym(tfl.layers.reshape({ targetShape: [size, size, 1] }), embedded);
}

/** The label as a learned vector of `dim` (the MLP levels). */
function labelVector(
  label: tfl.SymbolicTensor,
  numClasses: number,
  dim: number,
  name: string,
  rng: SeededRandom,
) {
  return sym(
    tfl.layers.flatten(),
    sym(
      tfl.layers.embedding({
        inputDim: numClasses,
        outputDim: dim,
        embeddingsInitializer: dcganInit(rng),
        name: `${name}_label_embedding`,
      }),
      label,
    ),
  );
}

/**
 * LAPGAN's coarsest generator G_0 (Denton et al. 2015): an MLP from z (and a class label) to a
 * `size x size` image in [-1, 1]. Inputs `z` [batch, latentDim] (and `label` [batch, 1] int32).
 * @param options - size, channels, latent size, hidden widths, classes, name prefix, seed
 * @returns the generator
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @example
 * ```ts
 * import { lapganCoarseGenerator } from '@gankit/models';
 * const g0 = lapganCoarseGenerator({ size: 8, channels: 1, name: 'g0', hidden: [64] });
 * g0.dispose();
 * ```
 * @category Architectures
 */
export function lapganCoarseGenerator(options: LapganCoarseGeneratorOptions): tfl.LayersModel {
  const fn = 'lapganCoarseGenerator';
  const { size, channels, rng } = checkLevel(fn, options);
  const latentDim = checkInteger(fn, 'latentDim', options.latentDim ?? 100);
  const name = options.name;
  const z = tfl.input({ shape: [latentDim], name: `${name}_z` });
  const label = options.numClasses === undefined ? undefined : labelInput(name);
  let h = label
    ? sym(tfl.layers.concatenate({ name: `${name}_z_label` }), [
        z,
        labelVector(label, options.numClasses!, 50, name, rng),
      ])
    : z;
  widths(fn, options.hidden ?? [1200, 1200]).forEach((units, i) => {
    h = sym(
      tfl.layers.dense({
        units,
        useBias: false,
        kernelInitializer: heInit(rng),
        name: `${name}_dense${i + 1}`,
      }),
      h,
    );
    h = sym(batchNorm(`${name}_dense${i + 1}_bn`), h);
    h = sym(tfl.layers.reLU(), h);
  });
  h = sym(
    tfl.layers.dense({
      units: size * size * channels,
      activation: 'tanh',
      kernelInitializer: dcganInit(rng),
      name: `${name}_to_image`,
    }),
    h,
  );
  const image = sym(tfl.layers.reshape({ targetShape: [size, size, channels] }), h);
  return tfl.model({ inputs: label ? [z, label] : z, outputs: image, name });
}

/**
 * LAPGAN's coarsest discriminator D_0: an MLP on the `size x size` image (and the label's
 * embedding), LeakyReLU hidden layers, one logit. Inputs `image` (and `label`).
 * @param options - size, channels, hidden widths, classes, name prefix, seed
 * @returns the discriminator
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @category Architectures
 */
export function lapganCoarseDiscriminator(options: LapganCoarseDiscriminatorOptions): tfl.LayersModel {
  const fn = 'lapganCoarseDiscriminator';
  const { size, channels, rng } = checkLevel(fn, options);
  const name = options.name;
  const image = tfl.input({ shape: [size, size, channels], name: `${name}_image` });
  const label = options.numClasses === undefined ? undefined : labelInput(name);
  let h = sym(tfl.layers.flatten(), image);
  if (label) {
    h = sym(tfl.layers.concatenate({ name: `${name}_image_label` }), [
      h,
      labelVector(label, options.numClasses!, 50, name, rng),
    ]);
  }
  widths(fn, options.hidden ?? [600, 600]).forEach((units, i) => {
    h = sym(tfl.layers.dense({ units, kernelInitializer: heInit(rng), name: `${name}_dense${i + 1}` }), h);
    h = sym(tfl.layers.leakyReLU({ alpha: 0.2 }), h);
  });
  const logit = sym(
    tfl.layers.dense({ units: 1, kernelInitializer: dcganInit(rng), name: `${name}_logit` }),
    h,
  );
  return tfl.model({ inputs: label ? [image, label] : image, outputs: logit, name });
}

/**
 * A finer LAPGAN generator G_k: from a noise plane and the upsampled coarser image l_k (and a
 * label plane) to the band-pass residual h_k, three convolutions (5x5 by default) (ReLU, batch norm; a linear
 * output, since residuals are signed and small), as Denton et al.'s CIFAR-10 levels. Inputs
 * `noise` [batch, size, size, 1], `coarse` [batch, size, size, channels] (and `label`).
 * @param options - size, channels, width, classes, name prefix, seed
 * @returns the generator
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @category Architectures
 */
export function lapganLevelGenerator(options: LapganConvOptions): tfl.LayersModel {
  const fn = 'lapganLevelGenerator';
  const { size, channels, rng } = checkLevel(fn, options);
  const width = checkInteger(fn, 'width', options.width ?? 64);
  const kernelSize = checkInteger(fn, 'kernelSize', options.kernelSize ?? 5);
  const name = options.name;
  const noise = tfl.input({ shape: [size, size, 1], name: `${name}_noise` });
  const coarse = tfl.input({ shape: [size, size, channels], name: `${name}_coarse` });
  const label = options.numClasses === undefined ? undefined : labelInput(name);
  const parts = [noise, coarse, ...(label ? [labelPlane(label, options.numClasses!, size, name, rng)] : [])];
  let h = sym(tfl.layers.concatenate({ name: `${name}_inputs` }), parts);
  for (let i = 1; i <= 2; i++) {
    h = sym(
      tfl.layers.conv2d({
        filters: width,
        kernelSize,
        padding: 'same',
        useBias: false,
        kernelInitializer: heInit(rng),
        name: `${name}_conv${i}`,
      }),
      h,
    );
    h = sym(batchNorm(`${name}_conv${i}_bn`), h);
    h = sym(tfl.layers.reLU(), h);
  }
  const residual = sym(
    tfl.layers.conv2d({
      filters: channels,
      kernelSize,
      padding: 'same',
      kernelInitializer: dcganInit(rng),
      name: `${name}_to_residual`,
    }),
    h,
  );
  return tfl.model({ inputs: label ? [noise, coarse, label] : [noise, coarse], outputs: residual, name });
}

/**
 * A finer LAPGAN discriminator D_k: judges the image `l_k + h_k` beside the coarse image l_k it
 * was grown from (and a label plane), two strided convolutions (5x5 by default) (LeakyReLU) and a logit.
 * Inputs `image` and `coarse` [batch, size, size, channels] (and `label`).
 * @param options - size, channels, width, classes, name prefix, seed
 * @returns the discriminator
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @category Architectures
 */
export function lapganLevelDiscriminator(options: LapganConvOptions): tfl.LayersModel {
  const fn = 'lapganLevelDiscriminator';
  const { size, channels, rng } = checkLevel(fn, options);
  const width = checkInteger(fn, 'width', options.width ?? 64);
  const kernelSize = checkInteger(fn, 'kernelSize', options.kernelSize ?? 5);
  const name = options.name;
  const image = tfl.input({ shape: [size, size, channels], name: `${name}_image` });
  const coarse = tfl.input({ shape: [size, size, channels], name: `${name}_coarse` });
  const label = options.numClasses === undefined ? undefined : labelInput(name);
  const parts = [image, coarse, ...(label ? [labelPlane(label, options.numClasses!, size, name, rng)] : [])];
  let h = sym(tfl.layers.concatenate({ name: `${name}_inputs` }), parts);
  [width, 2 * width].forEach((filters, i) => {
    h = sym(
      tfl.layers.conv2d({
        filters,
        kernelSize,
        strides: 2,
        padding: 'same',
        kernelInitializer: dcganInit(rng),
        name: `${name}_conv${i + 1}`,
      }),
      h,
    );
    h = sym(tfl.layers.leakyReLU({ alpha: 0.2 }), h);
  });
  h = sym(tfl.layers.flatten(), h);
  const logit = sym(
    tfl.layers.dense({ units: 1, kernelInitializer: dcganInit(rng), name: `${name}_logit` }),
    h,
  );
  return tfl.model({ inputs: label ? [image, coarse, label] : [image, coarse], outputs: logit, name });
}

/** Options of {@link lapganSampler}. @category Architectures */
export interface LapganSamplerOptions {
  /** G_0 (z -> coarsest image), then G_1 .. G_K (noise plane and upsampled image -> residual). */
  generators: tfl.LayersModel[];
  /** Cut this many pixels off every side of the finest image (Fashion-MNIST padded 28 -> 32: 2). Default 0. */
  crop?: number;
}

/**
 * The whole LAPGAN as one model, coarse to fine: `I_0 = G_0(z_0)`, then
 * `I_k = u(I_{k-1}) + G_k(z_k, u(I_{k-1}))`. It takes one flat latent vector
 * `[z_0, z_1 (size_1^2 values), ..., z_K]` (and a label for class-conditional levels), so it
 * samples, saves and loads like any generator; fixing the first parts of the vector and
 * redrawing the rest grows different images from one coarse start. Layer `level_k` holds the
 * image after level k. Shares the level generators' weights.
 * @param options - the level generators and the crop
 * @returns the model (inputs `[latent]` or `[latent, label]`)
 * @throws GanError `SHAPE_MISMATCH` when the levels' sizes do not double from one to the next
 * @category Architectures
 */
export function lapganSampler(options: LapganSamplerOptions): tfl.LayersModel {
  const fn = 'lapganSampler';
  const gens = options.generators;
  if (!Array.isArray(gens) || gens.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: generators must list at least the coarsest level's`);
  }
  const conditional = gens[0]!.inputs.length === 2;
  const latentDim = gens[0]!.inputs[0]!.shape[1] as number;
  let size = gens[0]!.outputs[0]!.shape[1] as number;
  const sizes = [size];
  for (let k = 1; k < gens.length; k++) {
    const s = gens[k]!.inputs[0]!.shape[1] as number;
    if (s !== 2 * size) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: level ${k}'s generator works at ${s}x${s}, expected twice level ${k - 1}'s ${size}x${size}`,
      );
    }
    size = s;
    sizes.push(s);
  }
  const total = latentDim + sizes.slice(1).reduce((a, s) => a + s * s, 0);
  const latent = tfl.input({ shape: [total], name: 'latent' });
  const label = conditional ? tfl.input({ shape: [1], dtype: 'int32', name: 'label' }) : undefined;
  const withLabel = (xs: tfl.SymbolicTensor[]) => (label ? [...xs, label] : xs);
  const z0 = sym(new LatentSlice({ begin: 0, size: latentDim, name: 'z_0' }), latent);
  // named layers mark each level's finished image, so a caller can read any of them
  let image = sym(
    tfl.layers.activation({ activation: 'linear', name: 'level_0' }),
    sym(gens[0]!, withLabel([z0])),
  );
  let offset = latentDim;
  for (let k = 1; k < gens.length; k++) {
    const s = sizes[k]!;
    const flat = sym(new LatentSlice({ begin: offset, size: s * s, name: `z_${k}` }), latent);
    offset += s * s;
    const noise = sym(tfl.layers.reshape({ targetShape: [s, s, 1], name: `noise_${k}` }), flat);
    const coarse = sym(new PyramidUpsample({ name: `upsample_${k}` }), image);
    const residual = sym(gens[k]!, withLabel([noise, coarse]));
    image = sym(tfl.layers.add({ name: `level_${k}` }), [coarse, residual]);
  }
  const crop = options.crop ?? 0;
  if (crop > 0)
    image = sym(
      tfl.layers.cropping2D({
        cropping: [
          [crop, crop],
          [crop, crop],
        ],
        name: 'crop',
      }),
      image,
    );
  return tfl.model({ inputs: label ? [latent, label] : latent, outputs: image, name: 'generator' });
}
