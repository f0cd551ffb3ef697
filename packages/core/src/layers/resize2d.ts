import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, GanError } from '../errors/gan-error.js';

/**
 * Options of {@link resize2d}.
 * @category Layers
 */
export interface Resize2DOptions {
  /** Output height. */
  height: number;
  /** Output width. */
  width: number;
  /** `bilinear` (default) or `nearest`. */
  interpolation?: 'bilinear' | 'nearest';
  /** Layer name. */
  name?: string;
}

/**
 * Resizes NHWC feature maps to a fixed height and width (bilinear or nearest, half-pixel
 * centres). Unlike tfjs-layers' `resizing` preprocessing layer, it keeps the batch dimension
 * in its output shape, so it composes inside functional models; its gradient runs on every
 * backend gankit supports. Registered as `gankit>Resize2D`.
 * @category Layers
 */
export class Resize2D extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'Resize2D';
  private readonly height: number;
  private readonly width: number;
  private readonly interpolation: 'bilinear' | 'nearest';

  /** @param options - target size and interpolation */
  constructor(options: Resize2DOptions) {
    super(options.name === undefined ? {} : { name: options.name });
    this.height = checkInteger('resize2d', 'height', options.height);
    this.width = checkInteger('resize2d', 'width', options.width);
    this.interpolation = options.interpolation ?? 'bilinear';
    if (this.interpolation !== 'bilinear' && this.interpolation !== 'nearest') {
      throw new GanError(
        'INVALID_ARGUMENT',
        `resize2d: interpolation must be 'bilinear' or 'nearest', got '${String(this.interpolation)}'`,
      );
    }
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [s[0] ?? null, this.height, this.width, s[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const size: [number, number] = [this.height, this.width];
      return this.interpolation === 'bilinear'
        ? tf.image.resizeBilinear(x, size, false, true)
        : tf.image.resizeNearestNeighbor(x, size, false, true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
    };
  }
}
tf.serialization.registerClass(Resize2D, 'gankit', 'Resize2D');

/**
 * Creates a {@link Resize2D} layer.
 * @param options - target height, width and interpolation
 * @returns the layer
 * @throws GanError `INVALID_ARGUMENT` for non-positive sizes or an unknown interpolation
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { resize2d } from '@gankit/core';
 * const x = tfl.input({ shape: [8, 8, 3] });
 * const y = resize2d({ height: 12, width: 12 }).apply(x); // [null, 12, 12, 3]
 * ```
 * @category Layers
 */
export function resize2d(options: Resize2DOptions): Resize2D {
  return new Resize2D(options);
}
