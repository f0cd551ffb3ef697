import { GanError, registerSerializable, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkEncoderInput, type EncodeOptions, type Encoder, type EncoderInputSpec } from '../encoder.js';
import { setModelTrainable } from '../internal/trainable.js';
import { type LoadWeightsOptions, loadWeights } from '../io/weights.js';

/**
 * The two VGG networks (Simonyan & Zisserman 2014), without their classifier head.
 * @category Encoders
 */
export type VggVariant = 'vgg16' | 'vgg19';

/**
 * How images are prepared for VGG:
 * - `caffe` (Keras's `vgg16.preprocess_input`, what Keras's ImageNet weights expect): pixels in
 *   0..255, RGB -> BGR, minus the ImageNet mean [103.939, 116.779, 123.68] (BGR);
 * - `torch` (torchvision's weights): pixels in 0..1, minus [0.485, 0.456, 0.406], divided by
 *   [0.229, 0.224, 0.225] (RGB);
 * - `none`: the images go in as they are (grayscale is still expanded to three channels).
 * @category Encoders
 */
export type VggPreprocessing = 'caffe' | 'torch' | 'none';

/**
 * Options of {@link vgg16}, {@link vgg19} and {@link VggEncoder}.
 * @category Encoders
 */
export interface VggEncoderOptions {
  /** Which network. Default `vgg19` (`vgg16` with the {@link vgg16} factory). */
  variant?: VggVariant;
  /**
   * The feature maps to return, by Keras layer name: `block5_conv4` is the conv's output after
   * its ReLU (Keras's own layer output; SRGAN's VGG54), `block5_conv4_preact` the same conv
   * before the ReLU (ESRGAN), `block3_pool` a pooling output. One name makes `encode` return one
   * tensor; a list makes it return a record keyed by name. Default: the last conv of block 5,
   * after activation (`block5_conv4` for VGG19, `block5_conv3` for VGG16).
   */
  taps?: string | readonly string[];
  /** Input preparation from gankit's [-1, 1] images. Default `caffe`. */
  preprocessing?: VggPreprocessing;
  /** Build only the layers up to the deepest tap, which saves time. Default true. */
  truncate?: boolean;
  /** Whether the weights train. Default false (a frozen feature extractor). */
  trainable?: boolean;
  /** Seed of the random initial weights (glorot uniform, as Keras), used until weights are loaded. Default 0. */
  seed?: number;
  /** Name of the underlying model. Default the variant. */
  name?: string;
}

/** The config snapshot of a {@link VggEncoder}. @category Encoders */
export type VggEncoderConfig = {
  variant: VggVariant;
  taps: string | string[];
  preprocessing: VggPreprocessing;
  truncate: boolean;
  trainable: boolean;
  seed: number;
  name: string;
};

/** Convs per block: VGG16 2-2-3-3-3, VGG19 2-2-4-4-4. */
const BLOCKS: Record<VggVariant, readonly number[]> = {
  vgg16: [2, 2, 3, 3, 3],
  vgg19: [2, 2, 4, 4, 4],
};
const FILTERS = [64, 128, 256, 512, 512] as const;

/** ImageNet channel means in BGR order, as Keras's `caffe` preprocessing subtracts them. */
export const IMAGENET_BGR_MEAN: readonly [number, number, number] = [103.939, 116.779, 123.68];
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];

/**
 * The tap of SRGAN's VGG54 content loss: conv5_4 of VGG19 after its ReLU.
 * @category Encoders
 */
export const SRGAN_VGG_TAP = 'block5_conv4';
/**
 * The tap of ESRGAN's perceptual loss: conv5_4 of VGG19 before its ReLU.
 * @category Encoders
 */
export const ESRGAN_VGG_TAP = 'block5_conv4_preact';

interface TapInfo {
  /** The layer whose output the tap is. */
  layer: string;
  /** Order in the network (for truncation). */
  depth: number;
  /** Pooling steps before this point (for the minimum size). */
  pools: number;
}

/**
 * Every tap name of a VGG variant, in network order: for each conv `blockB_convC_preact` and
 * `blockB_convC`, then `blockB_pool` at the end of each block.
 * @param variant - `vgg16` or `vgg19`
 * @returns the names
 * @example
 * ```ts
 * import { vggTapNames } from '@gankit/encoders';
 * console.log(vggTapNames('vgg16').length); // 31: 13 convs x 2 + 5 pools
 * ```
 * @category Encoders
 */
export function vggTapNames(variant: VggVariant): string[] {
  return [...tapTable(variant).keys()];
}

function tapTable(variant: VggVariant): Map<string, TapInfo> {
  const table = new Map<string, TapInfo>();
  let depth = 0;
  BLOCKS[variant].forEach((convs, b) => {
    for (let c = 1; c <= convs; c++) {
      const conv = `block${b + 1}_conv${c}`;
      table.set(`${conv}_preact`, { layer: conv, depth: depth++, pools: b });
      table.set(conv, { layer: `${conv}_relu`, depth: depth++, pools: b });
    }
    table.set(`block${b + 1}_pool`, { layer: `block${b + 1}_pool`, depth: depth++, pools: b + 1 });
  });
  return table;
}

/**
 * Prepares gankit images ([-1, 1], one or three channels) for VGG: grayscale is repeated to
 * three channels, then the chosen ImageNet preprocessing is applied.
 * @param images - [batch, h, w, 1 or 3] in [-1, 1]
 * @param mode - `caffe` (default), `torch` or `none`
 * @returns the network input [batch, h, w, 3] (the caller owns it)
 * @throws GanError `SHAPE_MISMATCH` when the images have neither 1 nor 3 channels
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { vggPreprocess } from '@gankit/encoders';
 * const x = vggPreprocess(tf.ones([1, 2, 2, 3])); // white: 255 - mean, in BGR
 * ```
 * @category Encoders
 */
export function vggPreprocess(images: tf.Tensor4D, mode: VggPreprocessing = 'caffe'): tf.Tensor4D {
  checkEncoderInput('vggPreprocess', { range: [-1, 1], channels: [1, 3], minSize: 1 }, images);
  return tf.tidy(() => {
    const rgb = images.shape[3] === 1 ? tf.tile(images, [1, 1, 1, 3]) : images;
    switch (mode) {
      case 'caffe': {
        const pixels = tf.mul(tf.add(rgb, 1), 127.5);
        const bgr = tf.reverse(pixels, 3);
        return tf.sub(bgr, tf.tensor1d([...IMAGENET_BGR_MEAN])) as tf.Tensor4D;
      }
      case 'torch': {
        const unit = tf.mul(tf.add(rgb, 1), 0.5);
        return tf.div(tf.sub(unit, tf.tensor1d(TORCH_MEAN)), tf.tensor1d(TORCH_STD)) as tf.Tensor4D;
      }
      case 'none':
        return rgb === images ? tf.clone(images) : (rgb as tf.Tensor4D);
      default:
        throw new GanError(
          'INVALID_ARGUMENT',
          `vggPreprocess: mode must be 'caffe', 'torch' or 'none', got '${String(mode)}'`,
        );
    }
  });
}

/**
 * VGG16 or VGG19 without the classifier head, as a frozen (by default) feature extractor for
 * perceptual losses. Layer names, weight names and parameter counts are Keras's
 * (`block1_conv1` ... `block5_conv4`, `block1_pool` ...; VGG16 14,714,688 parameters, VGG19
 * 20,024,384), so Keras's ImageNet weights load by name with {@link loadWeights}. Each conv is
 * linear and followed by its own ReLU layer (`block1_conv1_relu`, no weights), so features can be
 * tapped before or after activation. Registered as `gankit>VggEncoder`.
 *
 * `model` takes preprocessed input (BGR minus the ImageNet mean, like Keras's model); `encode`
 * takes gankit images in [-1, 1] with 1 or 3 channels and preprocesses them itself.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { VggEncoder } from '@gankit/encoders';
 * const vgg = new VggEncoder({ variant: 'vgg16', taps: ['block1_conv2', 'block2_conv2_preact'] });
 * const taps = vgg.encode(tf.zeros([1, 16, 16, 1])) as Record<string, tf.Tensor>;
 * console.log(vgg.inputSpec.minSize, taps.block2_conv2_preact.shape); // 2 [1, 8, 8, 128]
 * ```
 * @category Encoders
 */
export class VggEncoder implements Encoder {
  /** Registered as `gankit>VggEncoder`. */
  static readonly className = 'VggEncoder';
  readonly name: string;
  readonly inputSpec: EncoderInputSpec;
  readonly model: tfl.LayersModel;
  /** The requested tap names, in the order of the model's outputs. */
  readonly tapNames: readonly string[];
  private readonly config: VggEncoderConfig;

  /**
   * @param options - see {@link VggEncoderOptions}
   * @throws GanError `UNKNOWN_NAME` for a tap that is not a layer of the variant (valid names are listed)
   * @throws GanError `INVALID_ARGUMENT` for an unknown variant or preprocessing, or no taps
   */
  constructor(options: VggEncoderOptions = {}) {
    this.config = normalise(options);
    this.name = this.config.name;
    const table = tapTable(this.config.variant);
    this.tapNames = typeof this.config.taps === 'string' ? [this.config.taps] : this.config.taps;
    const infos = this.tapNames.map((t) => table.get(t)!);
    const deepest = this.config.truncate
      ? infos.reduce((a, b) => (b.depth > a.depth ? b : a))
      : [...table.values()].pop()!;
    this.inputSpec = { range: [-1, 1], channels: [1, 3], minSize: 2 ** deepest.pools };
    this.model = buildVgg(this.config, infos, deepest.depth, table);
    setModelTrainable(this.model, this.config.trainable);
  }

  /** @returns whether the weights are trainable */
  get trainable(): boolean {
    return this.model.trainable;
  }

  /** @param trainable - true to let gradients update the weights */
  setTrainable(trainable: boolean): void {
    setModelTrainable(this.model, trainable);
    this.config.trainable = trainable;
  }

  /**
   * Preprocesses images as configured ({@link vggPreprocess}).
   * @param images - [batch, h, w, 1 or 3] in [-1, 1]
   * @returns the network input (the caller owns it)
   * @throws GanError `SHAPE_MISMATCH` for a wrong channel count
   */
  preprocess(images: tf.Tensor4D): tf.Tensor4D {
    return vggPreprocess(images, this.config.preprocessing);
  }

  /**
   * @param images - [batch, h, w, 1 or 3] in [-1, 1], at least `inputSpec.minSize` pixels high and wide
   * @param options - `training` (VGG has no batch norm or dropout; kept for the interface)
   * @returns the tap's feature map [batch, h', w', c] when one tap was configured as a string,
   *   else a record of them keyed by tap name (the caller owns them)
   * @throws GanError `SHAPE_MISMATCH` naming the expected and received shapes
   */
  encode(images: tf.Tensor4D, options: EncodeOptions = {}): tf.Tensor4D | Record<string, tf.Tensor4D> {
    checkEncoderInput('VggEncoder.encode', this.inputSpec, images);
    return tf.tidy(() => {
      const x = this.preprocess(images);
      const out = this.model.apply(x, { training: options.training ?? false }) as tf.Tensor4D | tf.Tensor4D[];
      const list = Array.isArray(out) ? out : [out];
      if (typeof this.config.taps === 'string') return list[0]!;
      const taps: Record<string, tf.Tensor4D> = {};
      this.tapNames.forEach((name, i) => {
        taps[name] = list[i]!;
      });
      return taps;
    });
  }

  /** @returns the JSON-safe config (weights are saved separately, with {@link saveEncoder}) */
  getConfig(): VggEncoderConfig {
    return structuredClone(this.config);
  }

  /**
   * @param config - a snapshot from {@link VggEncoder.getConfig}
   * @returns a new encoder with random weights of the same architecture
   */
  static fromConfig(config: VggEncoderConfig): VggEncoder {
    return new VggEncoder(config);
  }

  /** Frees the weights. */
  dispose(): void {
    this.model.dispose();
  }
}
registerSerializable(VggEncoder);

function normalise(o: VggEncoderOptions): VggEncoderConfig {
  const variant = o.variant ?? 'vgg19';
  if (variant !== 'vgg16' && variant !== 'vgg19') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `vgg: variant must be 'vgg16' or 'vgg19', got '${String(variant)}'`,
    );
  }
  const fn = variant;
  const preprocessing = o.preprocessing ?? 'caffe';
  if (!['caffe', 'torch', 'none'].includes(preprocessing)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: preprocessing must be 'caffe', 'torch' or 'none', got '${String(preprocessing)}'`,
    );
  }
  const taps = o.taps ?? (variant === 'vgg19' ? 'block5_conv4' : 'block5_conv3');
  const list = typeof taps === 'string' ? [taps] : [...taps];
  if (list.length === 0)
    throw new GanError('INVALID_ARGUMENT', `${fn}: taps must name at least one layer, got []`);
  const table = tapTable(variant);
  for (const t of list) {
    if (!table.has(t)) {
      throw new GanError(
        'UNKNOWN_NAME',
        `${fn}: unknown tap '${t}'; valid taps are ${[...table.keys()].join(', ')}`,
      );
    }
  }
  if (new Set(list).size !== list.length) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: taps must not repeat, got ${JSON.stringify(list)}`);
  }
  return {
    variant,
    taps: typeof taps === 'string' ? taps : list,
    preprocessing,
    truncate: o.truncate ?? true,
    trainable: o.trainable ?? false,
    seed: o.seed ?? 0,
    name: o.name ?? variant,
  };
}

function buildVgg(
  c: VggEncoderConfig,
  taps: TapInfo[],
  lastDepth: number,
  table: Map<string, TapInfo>,
): tfl.LayersModel {
  const rng = new SeededRandom(c.seed);
  const byLayer = new Map<string, tfl.SymbolicTensor>();
  const input = tfl.input({ shape: [null, null, 3], name: `${c.name}_input` });
  let x: tfl.SymbolicTensor = input;
  for (const [, info] of table) {
    if (info.depth > lastDepth) break;
    const name = info.layer;
    let layer: tfl.layers.Layer;
    if (name.endsWith('_relu')) layer = tfl.layers.reLU({ name });
    else if (name.endsWith('_pool')) layer = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name });
    else {
      const block = Number(name[5]) - 1;
      layer = tfl.layers.conv2d({
        filters: FILTERS[block]!,
        kernelSize: 3,
        padding: 'same',
        activation: 'linear',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: rng.seed() }),
        biasInitializer: 'zeros',
        name,
      });
    }
    x = layer.apply(x) as tfl.SymbolicTensor;
    byLayer.set(name, x);
  }
  const outputs = taps.map((t) => byLayer.get(t.layer)!);
  // an untruncated network keeps every layer: its last one becomes an extra (unused) output
  if (!c.truncate && !outputs.includes(x)) outputs.push(x);
  return tfl.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0]! : outputs, name: c.name });
}

/**
 * Creates a VGG16 feature extractor (Keras layer names; 14,714,688 parameters in full) with
 * random weights; load Keras's ImageNet weights with {@link loadWeights} or use {@link loadVgg}.
 * @param options - taps, preprocessing, truncation, trainability (the variant is `vgg16`)
 * @returns the encoder
 * @throws GanError `UNKNOWN_NAME` for an unknown tap
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { vgg16 } from '@gankit/encoders';
 * const vgg = vgg16({ taps: ['block2_conv2', 'block3_conv3'] });
 * const feats = vgg.encode(tf.zeros([1, 32, 32, 3])) as Record<string, tf.Tensor>;
 * console.log(feats.block3_conv3.shape); // [1, 8, 8, 256]
 * ```
 * @category Encoders
 */
export function vgg16(options: Omit<VggEncoderOptions, 'variant'> = {}): VggEncoder {
  return new VggEncoder({ ...options, variant: 'vgg16' });
}

/**
 * Creates a VGG19 feature extractor (Keras layer names; 20,024,384 parameters in full) with
 * random weights; load Keras's ImageNet weights with {@link loadWeights} or use {@link loadVgg}.
 * SRGAN's content loss taps `block5_conv4` ({@link SRGAN_VGG_TAP}); ESRGAN's taps it before the
 * ReLU, `block5_conv4_preact` ({@link ESRGAN_VGG_TAP}).
 * @param options - taps, preprocessing, truncation, trainability (the variant is `vgg19`)
 * @returns the encoder
 * @throws GanError `UNKNOWN_NAME` for an unknown tap
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { vgg19 } from '@gankit/encoders';
 * const vgg = vgg19({ taps: 'block3_conv4_preact' }); // ESRGAN-style: before the ReLU
 * const f = vgg.encode(tf.zeros([2, 32, 32, 1])) as tf.Tensor;
 * console.log(f.shape); // [2, 8, 8, 256]
 * ```
 * @category Encoders
 */
export function vgg19(options: Omit<VggEncoderOptions, 'variant'> = {}): VggEncoder {
  return new VggEncoder({ ...options, variant: 'vgg19' });
}

/**
 * Creates a VGG encoder and loads its weights (Keras `.h5`, Keras 3 `.weights.h5`, or a tfjs
 * layers folder converted from Keras). Layers beyond a truncated network's deepest tap are skipped.
 * @param weights - the weights file or folder (see docs/encoders.md for how to make one)
 * @param options - as for {@link VggEncoder}, plus {@link LoadWeightsOptions}
 * @returns the encoder with the weights loaded
 * @throws GanError `IO_ERROR`, `INVALID_DATA` or `SHAPE_MISMATCH` as {@link loadWeights} does
 * @example
 * ```ts
 * import { loadVgg, saveEncoder, vgg19 } from '@gankit/encoders';
 * // stands in for Keras's weights ('vgg19.weights.h5', see docs/encoders.md)
 * await saveEncoder(vgg19({ taps: 'block2_pool', seed: 1 }), '/tmp/gankit-example/vgg19-pool2');
 * const vgg = await loadVgg('/tmp/gankit-example/vgg19-pool2', { variant: 'vgg19', taps: 'block2_conv2' });
 * ```
 * @category Encoders
 */
export async function loadVgg(
  weights: string,
  options: VggEncoderOptions & LoadWeightsOptions = {},
): Promise<VggEncoder> {
  const { allowMissing, strict, ...rest } = options;
  const vgg = new VggEncoder(rest);
  try {
    await loadWeights(vgg, weights, {
      ...(allowMissing === undefined ? {} : { allowMissing }),
      ...(strict === undefined ? {} : { strict }),
    });
  } catch (e) {
    vgg.dispose();
    throw e;
  }
  return vgg;
}
