import { checkInteger, SeededRandom } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNorm, dcganInit, sym } from './blocks.js';
import { dcganResolutionSteps } from './dcgan.js';

/**
 * Options of {@link textConditionalGenerator}.
 * @category Architectures
 */
export interface TextConditionalGeneratorOptions {
  /** Output height and width (`s * 2^n`, `3 <= s <= 7`). */
  imageSize: number;
  /** Output channels. */
  channels: number;
  /** Size of the text embeddings G receives (the frozen text encoder's output). */
  textDim: number;
  /** Latent size. Default 100. */
  latentDim?: number;
  /** Size the text embedding is compressed to before it joins z. Default 128 (Reed et al.). */
  compressedTextDim?: number;
  /** Width of the last hidden layer; doubled per coarser resolution. Default 64. */
  baseWidth?: number;
  /** LeakyReLU slope of the text compression. Default 0.2. */
  leakySlope?: number;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/**
 * Options of {@link textConditionalDiscriminator}.
 * @category Architectures
 */
export interface TextConditionalDiscriminatorOptions {
  /** Input height and width. */
  imageSize: number;
  /** Input channels. */
  channels: number;
  /** Size of the text embeddings D receives. */
  textDim: number;
  /** Size the text embedding is compressed to before it is replicated over D's smallest map. Default 128. */
  compressedTextDim?: number;
  /** Width of the first conv. Default 64. */
  baseWidth?: number;
  /** LeakyReLU slope. Default 0.2. */
  leakySlope?: number;
  /** Batch norm after every conv but the first, as in DCGAN's discriminator. Default false. */
  batchNorm?: boolean;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/**
 * Options of {@link styleEncoder}.
 * @category Architectures
 */
export interface StyleEncoderOptions {
  /** Input height and width (`s * 2^n`, `3 <= s <= 7`). */
  imageSize: number;
  /** Input channels. */
  channels: number;
  /** Size of the code: the generator's latent size. */
  latentDim: number;
  /** Width of the first conv; doubled at every stride-2 step. Default 32. */
  baseWidth?: number;
  /** LeakyReLU slope. Default 0.2. */
  leakySlope?: number;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/** The text embedding compressed by a dense layer and a LeakyReLU (Reed et al.'s `fcG`/`fcD`). */
function compressText(
  text: tfl.SymbolicTensor,
  units: number,
  slope: number,
  init: () => ReturnType<typeof tfl.initializers.randomNormal>,
): tfl.SymbolicTensor {
  const dense = sym(tfl.layers.dense({ units, kernelInitializer: init(), name: 'text_compress' }), text);
  return sym(tfl.layers.leakyReLU({ alpha: slope, name: 'text_compress_lrelu' }), dense);
}

/**
 * The text-conditional DCGAN generator of GAN-CLS / GAN-INT (Reed et al. 2016, "Generative
 * Adversarial Text to Image Synthesis", section 3.1): the text embedding is compressed by a
 * dense layer and a LeakyReLU to `compressedTextDim` values, concatenated to z, and the result
 * goes through the DCGAN body (dense projection, stride-2 transposed convolutions with batch
 * norm and ReLU, tanh). Inputs `[z, text]` with z [batch, latentDim] and text [batch, textDim]
 * float32; output images in [-1, 1].
 * @param options - image shape, text and latent sizes, width, slope, seed
 * @returns the two-input tf.LayersModel
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @example
 * ```ts
 * import { textConditionalGenerator } from '@gankit/models';
 * const g = textConditionalGenerator({ imageSize: 28, channels: 3, textDim: 64, latentDim: 32 });
 * console.log(g.outputs[0].shape); // [null, 28, 28, 3]
 * ```
 * @category Architectures
 */
export function textConditionalGenerator(options: TextConditionalGeneratorOptions): tfl.LayersModel {
  const fn = 'textConditionalGenerator';
  const { start, steps } = dcganResolutionSteps(fn, options.imageSize);
  const channels = checkInteger(fn, 'channels', options.channels);
  const textDim = checkInteger(fn, 'textDim', options.textDim);
  const latentDim = checkInteger(fn, 'latentDim', options.latentDim ?? 100);
  const compressed = checkInteger(fn, 'compressedTextDim', options.compressedTextDim ?? 128);
  const base = checkInteger(fn, 'baseWidth', options.baseWidth ?? 64);
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => dcganInit(rng);

  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const text = tfl.input({ shape: [textDim], name: 'text' });
  const code = compressText(text, compressed, options.leakySlope ?? 0.2, init);
  let h = sym(tfl.layers.concatenate({ name: 'z_text' }), [z, code]);
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
  return tfl.model({ inputs: [z, text], outputs: out, name: 'generator' });
}

/**
 * The text-conditional DCGAN discriminator of GAN-CLS / GAN-INT (Reed et al. 2016, section
 * 3.1): stride-2 convolutions with LeakyReLU take the image down to DCGAN's smallest map
 * (`s x s`, `3 <= s <= 7`: 4x4 for 32 or 64 px, 7x7 for 28 px); the text embedding, compressed
 * by a dense layer and a LeakyReLU, is replicated over that map and depth-concatenated to it; a
 * 1x1 convolution with LeakyReLU mixes the two, and a dense layer over the map gives the logit
 * (Reed et al.'s final `s x s` convolution). Inputs `[image, text]`; output [batch, 1] logits.
 * @param options - image shape, text size, width, slope, batch norm, seed
 * @returns the two-input tf.LayersModel
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @example
 * ```ts
 * import { textConditionalDiscriminator } from '@gankit/models';
 * const d = textConditionalDiscriminator({ imageSize: 28, channels: 3, textDim: 64 });
 * console.log(d.outputs[0].shape); // [null, 1]
 * ```
 * @category Architectures
 */
export function textConditionalDiscriminator(options: TextConditionalDiscriminatorOptions): tfl.LayersModel {
  const fn = 'textConditionalDiscriminator';
  const { start, steps } = dcganResolutionSteps(fn, options.imageSize);
  const size = options.imageSize;
  const channels = checkInteger(fn, 'channels', options.channels);
  const textDim = checkInteger(fn, 'textDim', options.textDim);
  const compressed = checkInteger(fn, 'compressedTextDim', options.compressedTextDim ?? 128);
  const base = checkInteger(fn, 'baseWidth', options.baseWidth ?? 64);
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => dcganInit(rng);
  const slope = options.leakySlope ?? 0.2;

  const image = tfl.input({ shape: [size, size, channels], name: 'image' });
  const text = tfl.input({ shape: [textDim], name: 'text' });
  let h: tfl.SymbolicTensor = image;
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
  // the compressed text, replicated over the s x s map and stacked on its channels
  const code = compressText(text, compressed, slope, init);
  const replicated = sym(
    tfl.layers.reshape({ targetShape: [start, start, compressed], name: 'text_map' }),
    sym(tfl.layers.repeatVector({ n: start * start, name: 'text_replicate' }), code),
  );
  h = sym(tfl.layers.concatenate({ name: 'image_text' }), [h, replicated]);
  h = sym(
    tfl.layers.conv2d({
      filters: base * 2 ** (steps - 1),
      kernelSize: 1,
      useBias: !options.batchNorm,
      kernelInitializer: init(),
      name: 'joint',
    }),
    h,
  );
  if (options.batchNorm) h = sym(batchNorm('joint_bn'), h);
  h = sym(tfl.layers.leakyReLU({ alpha: slope }), h);
  const features = sym(tfl.layers.flatten({ name: 'features' }), h);
  const logit = sym(tfl.layers.dense({ units: 1, kernelInitializer: init(), name: 'logit' }), features);
  return tfl.model({ inputs: [image, text], outputs: logit, name: 'discriminator' });
}

/**
 * The style encoder S of Reed et al. 2016 (section 4.4): a small convolutional network that
 * inverts the generator, mapping an image back to the z it was made from. Stride-2
 * convolutions with LeakyReLU down to DCGAN's smallest map, then a linear dense layer to
 * `latentDim` values. Trained with `||z - S(G(z, t))||^2`; then `G(S(x), t)` draws text `t`
 * in the style (pose, background) of image `x`.
 * @param options - image shape, latent size, width, slope, seed
 * @returns a tf.LayersModel mapping [batch, size, size, channels] to [batch, latentDim]
 * @throws GanError `INVALID_ARGUMENT` for bad sizes
 * @example
 * ```ts
 * import { styleEncoder } from '@gankit/models';
 * const s = styleEncoder({ imageSize: 28, channels: 3, latentDim: 32 });
 * console.log(s.outputs[0].shape); // [null, 32]
 * ```
 * @category Architectures
 */
export function styleEncoder(options: StyleEncoderOptions): tfl.LayersModel {
  const fn = 'styleEncoder';
  const { steps } = dcganResolutionSteps(fn, options.imageSize);
  const channels = checkInteger(fn, 'channels', options.channels);
  const latentDim = checkInteger(fn, 'latentDim', options.latentDim);
  const base = checkInteger(fn, 'baseWidth', options.baseWidth ?? 32);
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => dcganInit(rng);
  const slope = options.leakySlope ?? 0.2;

  const image = tfl.input({ shape: [options.imageSize, options.imageSize, channels], name: 'image' });
  let h: tfl.SymbolicTensor = image;
  for (let i = 0; i < steps; i++) {
    h = sym(
      tfl.layers.conv2d({
        filters: base * 2 ** i,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(),
        name: `down${i + 1}`,
      }),
      h,
    );
    h = sym(tfl.layers.leakyReLU({ alpha: slope }), h);
  }
  h = sym(tfl.layers.flatten({ name: 'features' }), h);
  const code = sym(tfl.layers.dense({ units: latentDim, kernelInitializer: init(), name: 'code' }), h);
  return tfl.model({ inputs: image, outputs: code, name: 'style_encoder' });
}
