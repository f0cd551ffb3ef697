import { checkInteger, GanError, SeededRandom } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { pixelShuffle } from '../layers/pixel-shuffle.js';
import { resize2d } from '../layers/resize2d.js';
import { spectralNormalization } from '../layers/spectral-norm.js';
import { batchNorm, heInit, sym } from './blocks.js';

/**
 * Options of {@link srresnetGenerator}.
 * @category Architectures
 */
export interface SrresnetGeneratorOptions {
  /** Upscaling factor: 2 or 4 (one or two sub-pixel x2 stages). Default 4. */
  scale?: 2 | 4;
  /** Image channels in and out. Default 3. */
  channels?: number;
  /** Feature maps of every conv in the trunk. Default 64 (Ledig et al.). */
  filters?: number;
  /** B, the number of residual blocks. Default 16 (Ledig et al.). */
  residualBlocks?: number;
  /** Batch norm in the residual blocks (SRGAN); false gives EDSR/ESRGAN-style blocks. Default true. */
  batchNorm?: boolean;
  /**
   * Add a bilinear upscaling of the input to the output, so the network learns the residual
   * over interpolation (as VDSR and ESPCN-style models do): training starts at interpolation
   * quality (the last conv starts at zero) instead of a blank image, and flat or dark regions
   * stay as they are. The output is then linear instead of tanh. Default false.
   */
  globalSkip?: boolean;
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/**
 * Options of {@link srganDiscriminator}.
 * @category Architectures
 */
export interface SrganDiscriminatorOptions {
  /**
   * Side of the (square) high-resolution input, e.g. 96 (Ledig et al.'s crops). Required with
   * the `flatten` head, where it must be divisible by 16. With the `globalAveragePool` head it
   * is optional: left out, the input shape is [null, null, channels] and D takes any size.
   */
  inputSize?: number;
  /** Image channels. Default 3. */
  channels?: number;
  /** Filters of the first two convs, doubled every two convs up to 8x. Default 64 (Ledig et al.). */
  baseFilters?: number;
  /** Units of the hidden dense layer. Default 1024 (Ledig et al.). */
  denseUnits?: number;
  /** Batch norm after every conv but the first (Ledig et al.). Default true. */
  batchNorm?: boolean;
  /** Wrap every conv and dense layer in spectral normalization (Miyato et al. 2018). Default false. */
  spectralNorm?: boolean;
  /**
   * How the last feature map becomes the dense layers' input: `flatten` (the paper: the
   * features of an inputSize/16 square map, so the input size is fixed) or `globalAveragePool`
   * (the mean over positions, as in the 1x1-conv heads of common SRGAN ports: any input size,
   * and 16x fewer dense weights at 64 base filters and 96x96 input). Default `flatten`.
   */
  head?: 'flatten' | 'globalAveragePool';
  /** Seed of the initialisers. Default 0. */
  seed?: number;
}

/**
 * The SRResNet generator of SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image
 * Super-Resolution Using a Generative Adversarial Network", figure 4): a 9x9 conv and PReLU,
 * B residual blocks (conv3x3-BN-PReLU-conv3x3-BN plus skip), conv3x3-BN plus a long skip, one
 * sub-pixel stage per factor 2 (conv3x3 to 4x the filters, {@link PixelShuffle}, PReLU), and a
 * 9x9 conv to the image channels with tanh (images in [-1, 1]). PReLU slopes are shared over
 * height and width (one slope per channel), so the network is fully convolutional: it takes
 * images of any size (the input shape is [null, null, channels]), which `tiledUpscale` relies
 * on. The defaults (16 blocks of 64 filters, x4, RGB) have 1,550,659 trainable parameters,
 * plus 4,224 batch-norm moving statistics (`countParams()` gives 1,554,883).
 *
 * Scale 1 is rejected: without an upsampling stage the network is not a super-resolution
 * model, and x8 is two x4 models in a row or a custom build. `batchNorm: false` removes every
 * batch norm (EDSR/ESRGAN-style blocks, better for PSNR-oriented training). Training needs
 * the `DepthToSpace` gradient that `setupBackend` registers.
 *
 * @param options - scale, channels, width, depth, batch norm, seed
 * @returns a tf.LayersModel mapping `[b, h, w, c]` to `[b, scale*h, scale*w, c]`
 * @throws GanError `INVALID_ARGUMENT` for a scale other than 2 or 4 or non-positive sizes
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { srresnetGenerator } from '@gankit/models';
 * const g = srresnetGenerator({ scale: 4, filters: 8, residualBlocks: 2 });
 * const hr = g.predict(tf.zeros([1, 12, 10, 3])) as tf.Tensor; // [1, 48, 40, 3]
 * ```
 * @category Architectures
 */
export function srresnetGenerator(options: SrresnetGeneratorOptions = {}): tfl.LayersModel {
  const fn = 'srresnetGenerator';
  const scale = options.scale ?? 4;
  if (scale !== 2 && scale !== 4) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: scale must be 2 or 4, got ${String(scale)}`);
  }
  const channels = checkInteger(fn, 'channels', options.channels ?? 3);
  const filters = checkInteger(fn, 'filters', options.filters ?? 64);
  const blocks = checkInteger(fn, 'residualBlocks', options.residualBlocks ?? 16);
  const useBatchNorm = options.batchNorm ?? true;
  const rng = new SeededRandom(options.seed ?? 0);
  const conv = (n: number, kernelSize: number, name: string) =>
    tfl.layers.conv2d({
      filters: n,
      kernelSize,
      padding: 'same',
      kernelInitializer: heInit(rng),
      name,
    });
  const prelu = (name: string) => tfl.layers.prelu({ sharedAxes: [1, 2], name });
  const bn = (h: tfl.SymbolicTensor, name: string) => (useBatchNorm ? sym(batchNorm(name), h) : h);

  const input = tfl.input({ shape: [null, null, channels], name: 'low_res' });
  const head = sym(prelu('head_prelu'), sym(conv(filters, 9, 'head_conv'), input));
  let h = head;
  for (let b = 1; b <= blocks; b++) {
    let r = sym(prelu(`res${b}_prelu`), bn(sym(conv(filters, 3, `res${b}_conv1`), h), `res${b}_bn1`));
    r = bn(sym(conv(filters, 3, `res${b}_conv2`), r), `res${b}_bn2`);
    h = sym(tfl.layers.add({ name: `res${b}_add` }), [h, r]);
  }
  h = bn(sym(conv(filters, 3, 'trunk_conv'), h), 'trunk_bn');
  h = sym(tfl.layers.add({ name: 'trunk_add' }), [head, h]);
  for (let u = 1; u <= Math.log2(scale); u++) {
    h = sym(conv(4 * filters, 3, `up${u}_conv`), h);
    h = sym(pixelShuffle({ factor: 2, name: `up${u}_shuffle` }), h);
    h = sym(prelu(`up${u}_prelu`), h);
  }
  // with the skip, a zero tail starts training exactly at bilinear interpolation
  const tail = sym(
    options.globalSkip
      ? tfl.layers.conv2d({
          filters: channels,
          kernelSize: 9,
          padding: 'same',
          kernelInitializer: 'zeros',
          name: 'tail_conv',
        })
      : conv(channels, 9, 'tail_conv'),
    h,
  );
  const out = options.globalSkip
    ? sym(tfl.layers.add({ name: 'high_res' }), [sym(resize2d({ scale, name: 'interpolated' }), input), tail])
    : sym(tfl.layers.activation({ activation: 'tanh', name: 'high_res' }), tail);
  return tfl.model({ inputs: input, outputs: out, name: 'srresnet' });
}

/**
 * The SRGAN discriminator (Ledig et al. 2017, figure 4): eight 3x3 convs with LeakyReLU(0.2)
 * (k3n64s1, k3n64s2, k3n128s1, k3n128s2, ..., k3n512s2 for 64 base filters), batch norm after
 * all but the first, then dense(1024), LeakyReLU and dense(1) giving a logit (no sigmoid: the
 * losses take logits). Options drop the batch norms, add spectral normalization, or replace
 * the flatten by a global average pool so that D accepts any input size.
 *
 * @param options - input size, channels, width, dense units, batch norm, spectral norm, head, seed
 * @returns a tf.LayersModel mapping [b, size, size, c] to [b, 1] logits
 * @throws GanError `INVALID_ARGUMENT` naming the option: a missing or non-multiple-of-16
 * inputSize with the `flatten` head, an unknown head, non-positive sizes
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { srganDiscriminator } from '@gankit/models';
 * const d = srganDiscriminator({ inputSize: 32, baseFilters: 8, denseUnits: 16 });
 * const logits = d.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor; // [2, 1]
 * const anySize = srganDiscriminator({ head: 'globalAveragePool', baseFilters: 8, denseUnits: 16 });
 * const more = anySize.predict(tf.zeros([1, 40, 24, 3])) as tf.Tensor; // [1, 1]
 * ```
 * @category Architectures
 */
export function srganDiscriminator(options: SrganDiscriminatorOptions): tfl.LayersModel {
  const fn = 'srganDiscriminator';
  const head = options.head ?? 'flatten';
  if (head !== 'flatten' && head !== 'globalAveragePool') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: head must be 'flatten' or 'globalAveragePool', got '${String(head)}'`,
    );
  }
  let size: number | null = null;
  if (head === 'flatten') {
    if (options.inputSize === undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: inputSize is required with the 'flatten' head (or use head 'globalAveragePool'), got undefined`,
      );
    }
    size = checkInteger(fn, 'inputSize', options.inputSize, 16);
    if (size % 16 !== 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: inputSize must be divisible by 16 (four stride-2 convs), got ${size}`,
      );
    }
  } else if (options.inputSize !== undefined) {
    size = checkInteger(fn, 'inputSize', options.inputSize);
  }
  const channels = checkInteger(fn, 'channels', options.channels ?? 3);
  const base = checkInteger(fn, 'baseFilters', options.baseFilters ?? 64);
  const units = checkInteger(fn, 'denseUnits', options.denseUnits ?? 1024);
  const useBatchNorm = options.batchNorm ?? true;
  const rng = new SeededRandom(options.seed ?? 0);
  const init = () => heInit(rng);
  const lrelu = (name: string) => tfl.layers.leakyReLU({ alpha: 0.2, name });
  const sn = (layer: tfl.layers.Layer) =>
    options.spectralNorm
      ? spectralNormalization({ layer, seed: rng.seed(), name: `${layer.name}_sn` })
      : layer;

  const input = tfl.input({ shape: [size, size, channels], name: 'high_res' });
  let h = input;
  for (let i = 0; i < 8; i++) {
    const filters = base * 2 ** Math.floor(i / 2);
    const strides = i % 2 === 0 ? 1 : 2;
    const norm = useBatchNorm && i > 0;
    h = sym(
      sn(
        tfl.layers.conv2d({
          filters,
          kernelSize: 3,
          strides,
          padding: 'same',
          useBias: !norm,
          kernelInitializer: init(),
          name: `conv${i + 1}`,
        }),
      ),
      h,
    );
    if (norm) h = sym(batchNorm(`conv${i + 1}_bn`), h);
    h = sym(lrelu(`conv${i + 1}_lrelu`), h);
  }
  h =
    head === 'flatten'
      ? sym(tfl.layers.flatten({ name: 'flatten' }), h)
      : sym(tfl.layers.globalAveragePooling2d({ name: 'pool' }), h);
  h = sym(
    lrelu('dense_lrelu'),
    sym(sn(tfl.layers.dense({ units, kernelInitializer: init(), name: 'dense' })), h),
  );
  const logit = sym(sn(tfl.layers.dense({ units: 1, kernelInitializer: init(), name: 'logit' })), h);
  return tfl.model({ inputs: input, outputs: logit, name: 'srgan_discriminator' });
}
