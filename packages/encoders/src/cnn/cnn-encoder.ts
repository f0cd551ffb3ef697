import { checkInteger, GanError, registerSerializable, SeededRandom } from '@gankit/core';
import { resize2d } from '@gankit/models';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkEncoderInput, type EncodeOptions, type Encoder, type EncoderInputSpec } from '../encoder.js';
import { setModelTrainable } from '../internal/trainable.js';

/**
 * Options of {@link cnnEncoder}.
 * @category Encoders
 */
export interface CnnEncoderOptions {
  /** Input image shape [height, width, channels]. */
  inputShape: readonly [number, number, number];
  /**
   * Output shape: `[d]` for a vector (like a latent z) or `[h, w, c]` for a feature map (like
   * the low-resolution input of a super-resolution generator).
   */
  targetShape: readonly [number] | readonly [number, number, number];
  /** Filters of the first conv; doubled at each stride-2 step, up to 8x. Default 32. */
  baseWidth?: number;
  /** LeakyReLU slope. Default 0.2. */
  leakySlope?: number;
  /** Seed for the initialisers. Default 0. */
  seed?: number;
  /** Name of the underlying model. Default `encoder`. */
  name?: string;
}

/** The config snapshot of a {@link CnnEncoder}. @category Encoders */
export type CnnEncoderConfig = Required<Omit<CnnEncoderOptions, 'targetShape' | 'inputShape'>> & {
  inputShape: [number, number, number];
  targetShape: [number] | [number, number, number];
};

/**
 * A learned convolutional encoder that maps an image to a requested shape: stride-2 convs
 * down to the target resolution (or to about 4x4 for vector targets), an upscaling layer
 * (bilinear resize + conv) where the target map is larger than the last feature map, and a
 * final 3x3 conv (map) or dense layer (vector). This is the encoder E of the latent-space
 * regularized GAN, whose output must have the shape of the generator's input.
 * Registered as `gankit>CnnEncoder`.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { CnnEncoder } from '@gankit/encoders';
 * const up = new CnnEncoder({ inputShape: [16, 16, 1], targetShape: [32, 32, 2] });
 * console.log(up.encode(tf.zeros([2, 16, 16, 1])).shape); // [2, 32, 32, 2]
 * ```
 * @category Encoders
 */
export class CnnEncoder implements Encoder {
  /** Registered as `gankit>CnnEncoder`. */
  static readonly className = 'CnnEncoder';
  readonly name: string;
  readonly inputSpec: EncoderInputSpec;
  readonly model: tfl.LayersModel;
  private readonly config: CnnEncoderConfig;

  /**
   * @param options - see {@link CnnEncoderOptions}
   * @throws GanError `INVALID_ARGUMENT` for non-positive shapes
   */
  constructor(options: CnnEncoderOptions) {
    this.config = normalise(options);
    this.name = this.config.name;
    const [h, w] = this.config.inputShape;
    this.inputSpec = {
      range: [-1, 1],
      channels: this.config.inputShape[2],
      minSize: Math.min(h, w),
      size: [h, w],
    };
    this.model = buildCnnEncoder(this.config);
  }

  /** @returns whether the weights are trainable */
  get trainable(): boolean {
    return this.model.trainable;
  }

  /** @param trainable - true to let gradients update the weights */
  setTrainable(trainable: boolean): void {
    setModelTrainable(this.model, trainable);
  }

  /**
   * @param images - [batch, h, w, c] in [-1, 1], with the configured h, w, c
   * @param options - `training` for batch-norm-like layers (none here; kept for the interface)
   * @returns features of shape [batch, ...targetShape] (caller owns)
   * @throws GanError `SHAPE_MISMATCH` naming the expected and received shapes
   */
  encode(images: tf.Tensor4D, options: EncodeOptions = {}): tf.Tensor {
    checkEncoderInput('CnnEncoder.encode', this.inputSpec, images);
    return this.model.apply(images, { training: options.training ?? false }) as tf.Tensor;
  }

  /** @returns the JSON-safe config (weights are saved separately, with the model) */
  getConfig(): CnnEncoderConfig {
    return structuredClone(this.config);
  }

  /**
   * @param config - a snapshot from {@link CnnEncoder.getConfig}
   * @returns a new encoder with freshly initialised weights of the same architecture
   */
  static fromConfig(config: CnnEncoderConfig): CnnEncoder {
    return new CnnEncoder(config);
  }

  /** Frees the weights. */
  dispose(): void {
    this.model.dispose();
  }
}
registerSerializable(CnnEncoder);

/**
 * Creates a {@link CnnEncoder}.
 * @param options - input shape, target shape, width, seed
 * @returns the encoder
 * @throws GanError `INVALID_ARGUMENT` for bad shapes
 * @example
 * ```ts
 * import { cnnEncoder } from '@gankit/encoders';
 * const toLatent = cnnEncoder({ inputShape: [28, 28, 1], targetShape: [100] });
 * const toLowRes = cnnEncoder({ inputShape: [96, 96, 3], targetShape: [24, 24, 3] });
 * ```
 * @category Encoders
 */
export function cnnEncoder(options: CnnEncoderOptions): CnnEncoder {
  return new CnnEncoder(options);
}

function normalise(o: CnnEncoderOptions): CnnEncoderConfig {
  const fn = 'cnnEncoder';
  if (!Array.isArray(o.inputShape) || o.inputShape.length !== 3) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: inputShape must be [height, width, channels], got ${JSON.stringify(o.inputShape)}`,
    );
  }
  if (!Array.isArray(o.targetShape) || (o.targetShape.length !== 1 && o.targetShape.length !== 3)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: targetShape must be [d] or [h, w, c], got ${JSON.stringify(o.targetShape)}`,
    );
  }
  o.inputShape.forEach((v, i) => {
    checkInteger(fn, `inputShape[${i}]`, v);
  });
  o.targetShape.forEach((v, i) => {
    checkInteger(fn, `targetShape[${i}]`, v);
  });
  return {
    inputShape: [...o.inputShape] as [number, number, number],
    targetShape: [...o.targetShape] as CnnEncoderConfig['targetShape'],
    baseWidth: checkInteger(fn, 'baseWidth', o.baseWidth ?? 32),
    leakySlope: o.leakySlope ?? 0.2,
    seed: o.seed ?? 0,
    name: o.name ?? 'encoder',
  };
}

function buildCnnEncoder(c: CnnEncoderConfig): tfl.LayersModel {
  const rng = new SeededRandom(c.seed);
  const init = () => tfl.initializers.heNormal({ seed: rng.seed() });
  const [h, w] = c.inputShape;
  const isMap = c.targetShape.length === 3;
  // stride-2 steps: down to the target map (never below it), or to about 4x4 for vectors
  const floorSize = isMap ? Math.max(c.targetShape[0]!, c.targetShape[1]!) : 4;
  let steps = 0;
  let size = Math.min(h, w);
  while (Math.ceil(size / 2) >= floorSize && size > 1) {
    size = Math.ceil(size / 2);
    steps++;
  }
  const input = tfl.input({ shape: [...c.inputShape], name: `${c.name}_image` });
  let x = tfl.layers
    .conv2d({
      filters: c.baseWidth,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: init(),
      name: `${c.name}_stem`,
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.leakyReLU({ alpha: c.leakySlope }).apply(x) as tfl.SymbolicTensor;
  for (let i = 0; i < steps; i++) {
    x = tfl.layers
      .conv2d({
        filters: c.baseWidth * 2 ** Math.min(i + 1, 3),
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(),
        name: `${c.name}_down${i + 1}`,
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.leakyReLU({ alpha: c.leakySlope }).apply(x) as tfl.SymbolicTensor;
  }
  let out: tfl.SymbolicTensor;
  if (isMap) {
    const [th, tw, tc] = c.targetShape as [number, number, number];
    const [, fh, fw] = x.shape as [null, number, number, number];
    if (fh !== th || fw !== tw) {
      // upscaling (or an odd-ratio resize) to the target grid, then a conv to clean it up
      x = resize2d({ height: th, width: tw, name: `${c.name}_resize` }).apply(x) as tfl.SymbolicTensor;
      x = tfl.layers
        .conv2d({
          filters: c.baseWidth,
          kernelSize: 3,
          padding: 'same',
          kernelInitializer: init(),
          name: `${c.name}_up_conv`,
        })
        .apply(x) as tfl.SymbolicTensor;
      x = tfl.layers.leakyReLU({ alpha: c.leakySlope }).apply(x) as tfl.SymbolicTensor;
    }
    out = tfl.layers
      .conv2d({
        filters: tc,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: init(),
        name: `${c.name}_out`,
      })
      .apply(x) as tfl.SymbolicTensor;
  } else {
    x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
    out = tfl.layers
      .dense({ units: c.targetShape[0], kernelInitializer: init(), name: `${c.name}_out` })
      .apply(x) as tfl.SymbolicTensor;
  }
  return tfl.model({ inputs: input, outputs: out, name: c.name });
}
