import { checkInteger, GanError, SeededRandom } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNorm, dcganInit, sym } from './blocks.js';
import { dcganResolutionSteps } from './dcgan.js';

/**
 * Options of {@link conditionalGenerator}.
 * @category Architectures
 */
export interface ConditionalGeneratorOptions {
  /** Output height and width (`s * 2^n`, `3 <= s <= 7`). */
  imageSize: number;
  /** Output channels. */
  channels: number;
  /** Number of classes. */
  numClasses: number;
  /** Latent size. Default 100. */
  latentDim?: number;
  /** Size of the learned label embedding. Default 50. */
  embeddingDim?: number;
  /** Width of the last hidden layer; doubled per coarser resolution. Default 64. */
  baseWidth?: number;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/**
 * Options of {@link conditionalDiscriminator}.
 * @category Architectures
 */
export interface ConditionalDiscriminatorOptions {
  /** Input height and width. */
  imageSize: number;
  /** Input channels. */
  channels: number;
  /** Number of classes. */
  numClasses: number;
  /**
   * How D sees the label: `concat` (Mirza & Osindero 2014: the label embedding, projected to
   * one image-sized channel, concatenated with the image) or `projection` (Miyato & Koyama
   * 2018: logit = psi(phi(x)) + <embed(y), phi(x)>). Default `concat`.
   */
  conditioning?: 'concat' | 'projection';
  /** Size of the label embedding (concat only). Default 50. */
  embeddingDim?: number;
  /** Width of the first conv. Default 64. */
  baseWidth?: number;
  /** LeakyReLU slope. Default 0.2. */
  leakySlope?: number;
  /** Batch norm after every conv but the first, as in DCGAN's discriminator. Default false. */
  batchNorm?: boolean;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

function labelInput(): tfl.SymbolicTensor {
  return tfl.input({ shape: [1], dtype: 'int32', name: 'label' });
}

function checkClasses(fn: string, numClasses: number): number {
  checkInteger(fn, 'numClasses', numClasses);
  if (numClasses < 2)
    throw new GanError('INVALID_ARGUMENT', `${fn}: numClasses must be >= 2, got ${numClasses}`);
  return numClasses;
}

/**
 * The class-conditional DCGAN generator (Mirza & Osindero 2014 on the DCGAN body): the label's
 * learned embedding is concatenated to z before the projection. Inputs `[z, label]` with
 * z [batch, latentDim] float32 and label [batch, 1] int32; output images in [-1, 1].
 * @param options - image shape, classes, latent and embedding sizes, width, seed
 * @returns the two-input tf.LayersModel
 * @throws GanError `INVALID_ARGUMENT` for bad sizes or fewer than 2 classes
 * @example
 * ```ts
 * import { conditionalGenerator } from '@gankit/models';
 * const g = conditionalGenerator({ imageSize: 28, channels: 1, numClasses: 10 });
 * ```
 * @category Architectures
 */
export function conditionalGenerator(options: ConditionalGeneratorOptions): tfl.LayersModel {
  const fn = 'conditionalGenerator';
  const { start, steps } = dcganResolutionSteps(fn, options.imageSize);
  const channels = checkInteger(fn, 'channels', options.channels);
  const numClasses = checkClasses(fn, options.numClasses);
  const latentDim = checkInteger(fn, 'latentDim', options.latentDim ?? 100);
  const embeddingDim = checkInteger(fn, 'embeddingDim', options.embeddingDim ?? 50);
  const base = checkInteger(fn, 'baseWidth', options.baseWidth ?? 64);
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => dcganInit(rng);

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const label = labelInput();
  const embedded = sym(
    tfl.layers.flatten(),
    sym(
      tfl.layers.embedding({
        inputDim: numClasses,
        outputDim: embeddingDim,
        embeddingsInitializer: init(),
        name: 'label_embedding',
      }),
      label,
    ),
  );
  let h = sym(tfl.layers.concatenate({ name: 'z_label' }), [z, embedded]);
  const width0 = base * 2 ** (steps - 1);
  h = sym(
    tfl.layers.dense({
      units: start * start * width0,
      useBias: false,
      kernelInitializer: init(),
      name: 'project',
    }),
    h,
  );
  h = sym(batchNorm('project_bn'), h);
  h = sym(tfl.layers.reLU(), h);
  h = sym(tfl.layers.reshape({ targetShape: [start, start, width0] }), h);
  for (let i = 1; i < steps; i++) {
    h = sym(
      tfl.layers.conv2dTranspose({
        filters: base * 2 ** (steps - 1 - i),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
        name: `up${i}`,
      }),
      h,
    );
    h = sym(batchNorm(`up${i}_bn`), h);
    h = sym(tfl.layers.reLU(), h);
  }
  const out = sym(
    tfl.layers.conv2dTranspose({
      filters: channels,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(),
      name: 'to_image',
    }),
    h,
  );
  return tfl.model({ inputs: [z, label], outputs: out, name: 'generator' });
}

/**
 * The class-conditional DCGAN discriminator, with concatenated-embedding or projection
 * conditioning. Inputs `[image, label]`; output [batch, 1] logits.
 * @param options - image shape, classes, conditioning, width, seed
 * @returns the two-input tf.LayersModel
 * @throws GanError `INVALID_ARGUMENT` for bad sizes, fewer than 2 classes or an unknown conditioning
 * @example
 * ```ts
 * import { conditionalDiscriminator } from '@gankit/models';
 * const d = conditionalDiscriminator({ imageSize: 28, channels: 1, numClasses: 10, conditioning: 'projection' });
 * ```
 * @category Architectures
 */
export function conditionalDiscriminator(options: ConditionalDiscriminatorOptions): tfl.LayersModel {
  const fn = 'conditionalDiscriminator';
  const { steps } = dcganResolutionSteps(fn, options.imageSize);
  const size = options.imageSize;
  const channels = checkInteger(fn, 'channels', options.channels);
  const numClasses = checkClasses(fn, options.numClasses);
  const base = checkInteger(fn, 'baseWidth', options.baseWidth ?? 64);
  const conditioning = options.conditioning ?? 'concat';
  if (conditioning !== 'concat' && conditioning !== 'projection') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: conditioning must be 'concat' or 'projection', got '${String(conditioning)}'`,
    );
  }
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => dcganInit(rng);
  const slope = options.leakySlope ?? 0.2;

  const image = tfl.input({ shape: [size, size, channels], name: 'image' });
  const label = labelInput();
  let h: tfl.SymbolicTensor = image;
  if (conditioning === 'concat') {
    const embedded = sym(
      tfl.layers.flatten(),
      sym(
        tfl.layers.embedding({
          inputDim: numClasses,
          outputDim: checkInteger(fn, 'embeddingDim', options.embeddingDim ?? 50),
          embeddingsInitializer: init(),
          name: 'label_embedding',
        }),
        label,
      ),
    );
    const labelMap = sym(
      tfl.layers.reshape({ targetShape: [size, size, 1] }),
      sym(tfl.layers.dense({ units: size * size, kernelInitializer: init(), name: 'label_map' }), embedded),
    );
    h = sym(tfl.layers.concatenate({ name: 'image_label' }), [image, labelMap]);
  }
  for (let i = 0; i < steps; i++) {
    h = sym(
      tfl.layers.conv2d({
        filters: base * 2 ** i,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: !(options.batchNorm && i > 0),
        kernelInitializer: init(),
        name: `down${i + 1}`,
      }),
      h,
    );
    if (options.batchNorm && i > 0) {
      h = sym(batchNorm(`down${i + 1}_bn`), h);
    }
    h = sym(tfl.layers.leakyReLU({ alpha: slope }), h);
  }
  const features = sym(tfl.layers.flatten({ name: 'features' }), h);
  let logit = sym(tfl.layers.dense({ units: 1, kernelInitializer: init(), name: 'logit' }), features);
  if (conditioning === 'projection') {
    const featureDim = features.shape[1] as number;
    const classEmbedding = sym(
      tfl.layers.flatten(),
      sym(
        tfl.layers.embedding({
          inputDim: numClasses,
          outputDim: featureDim,
          embeddingsInitializer: init(),
          name: 'class_projection',
        }),
        label,
      ),
    );
    const projection = sym(tfl.layers.dot({ axes: 1, name: 'projection' }), [classEmbedding, features]);
    logit = sym(tfl.layers.add({ name: 'logit_plus_projection' }), [logit, projection]);
  }
  return tfl.model({ inputs: [image, label], outputs: logit, name: 'discriminator' });
}
