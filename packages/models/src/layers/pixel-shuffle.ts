import { checkInteger, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Options of {@link pixelShuffle}.
 * @category Layers
 */
export interface PixelShuffleOptions {
  /** Upscaling factor r: `[b, h, w, r*r*c]` becomes `[b, r*h, r*w, c]`. */
  factor: number;
  /** Layer name. */
  name?: string;
}

/**
 * Sub-pixel convolution's rearrangement (Shi et al. 2016, "Real-Time Single Image and Video
 * Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network"), the upsampling
 * of SRGAN's generator: `depthToSpace` with block size r in NHWC, so channel
 * `(i * r + j) * c + k` of pixel (h, w) becomes channel k of pixel `(r*h + i, r*w + j)`. Works for
 * any spatial size; the channels must be a multiple of `r*r`. It has no weights.
 *
 * tfjs 4.22 registers no gradient for `DepthToSpace`; `setupBackend` (through
 * `registerTrainingKernels`) adds it, so train models holding this layer after setting up the
 * backend with gankit. Registered as `gankit>PixelShuffle`.
 * @category Layers
 */
export class PixelShuffle extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'PixelShuffle';
  private readonly factor: number;

  /** @param options - the factor */
  constructor(options: PixelShuffleOptions) {
    super(options.name === undefined ? {} : { name: options.name });
    this.factor = checkInteger('pixelShuffle', 'factor', options.factor, 2);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const r = this.factor;
    this.checkShape(s);
    const scaled = (d: number | null | undefined) => (d == null ? null : d * r);
    const c = s[3];
    return [s[0] ?? null, scaled(s[1]), scaled(s[2]), c == null ? null : c / (r * r)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      this.checkShape(x.shape);
      return tf.depthToSpace(x, this.factor, 'NHWC');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }

  private checkShape(shape: readonly (number | null | undefined)[]): void {
    const r = this.factor;
    const c = shape[3];
    if (shape.length !== 4 || (c != null && c % (r * r) !== 0)) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `pixelShuffle: input must be [batch, height, width, channels] with channels a multiple of ${r * r} (factor ${r} squared), got [${shape.map((d) => (d == null ? 'null' : String(d))).join(', ')}]`,
      );
    }
  }
}
tf.serialization.registerClass(PixelShuffle, 'gankit', 'PixelShuffle');

/**
 * Creates a {@link PixelShuffle} layer.
 * @param options - the upscaling factor
 * @returns the layer
 * @throws GanError `INVALID_ARGUMENT` for a factor below 2; `SHAPE_MISMATCH` when applied to
 * an input that is not 4-D or whose channels are not a multiple of factor squared
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { pixelShuffle } from '@gankit/models';
 * const up = pixelShuffle({ factor: 2 });
 * const y = up.apply(tf.zeros([1, 3, 3, 8])) as tf.Tensor; // [1, 6, 6, 2]
 * ```
 * @category Layers
 */
export function pixelShuffle(options: PixelShuffleOptions): PixelShuffle {
  return new PixelShuffle(options);
}
