import { checkInteger, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Options of {@link resize2d}.
 * @category Layers
 */
export interface Resize2DOptions {
  /** Output height (with `width`); or give `scale` instead. */
  height?: number;
  /** Output width (with `height`). */
  width?: number;
  /** An integer factor on the input's height and width, for inputs of any size (instead of `height` and `width`). */
  scale?: number;
  /** `bilinear` (default) or `nearest`. */
  interpolation?: 'bilinear' | 'nearest';
  /** Layer name. */
  name?: string;
}

/**
 * Resizes NHWC feature maps to a fixed height and width, or by an integer factor (bilinear or
 * nearest, half-pixel centres). Unlike tfjs-layers' `resizing` preprocessing layer, it keeps the batch dimension
 * in its output shape, so it composes inside functional models; its gradient runs on every
 * backend gankit supports. Registered as `gankit>Resize2D`.
 * @category Layers
 */
export class Resize2D extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'Resize2D';
  private readonly height: number | undefined;
  private readonly width: number | undefined;
  private readonly scale: number | undefined;
  private readonly interpolation: 'bilinear' | 'nearest';

  /** @param options - target size and interpolation */
  constructor(options: Resize2DOptions) {
    super(options.name === undefined ? {} : { name: options.name });
    const fixed = options.height !== undefined || options.width !== undefined;
    if (fixed === (options.scale !== undefined)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `resize2d: give either height and width or scale, got ${JSON.stringify({ height: options.height, width: options.width, scale: options.scale })}`,
      );
    }
    this.height = fixed ? checkInteger('resize2d', 'height', options.height) : undefined;
    this.width = fixed ? checkInteger('resize2d', 'width', options.width) : undefined;
    this.scale = fixed ? undefined : checkInteger('resize2d', 'scale', options.scale);
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
    const scaled = (n: number | null | undefined) => (n == null ? null : n * this.scale!);
    return this.scale === undefined
      ? [s[0] ?? null, this.height!, this.width!, s[3] ?? null]
      : [s[0] ?? null, scaled(s[1]), scaled(s[2]), s[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const size: [number, number] =
        this.scale === undefined
          ? [this.height!, this.width!]
          : [x.shape[1] * this.scale, x.shape[2] * this.scale];
      return this.interpolation === 'bilinear'
        ? tf.image.resizeBilinear(x, size, false, true)
        : tf.image.resizeNearestNeighbor(x, size, false, true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...(this.scale === undefined ? { height: this.height!, width: this.width! } : { scale: this.scale }),
      interpolation: this.interpolation,
    };
  }
}
tf.serialization.registerClass(Resize2D, 'gankit', 'Resize2D');

/**
 * Creates a {@link Resize2D} layer.
 * @param options - target height and width, or a scale factor; interpolation
 * @returns the layer
 * @throws GanError `INVALID_ARGUMENT` for non-positive sizes, both or neither of size and scale, or an unknown interpolation
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { resize2d } from '@gankit/models';
 * const x = tfl.input({ shape: [8, 8, 3] });
 * const y = resize2d({ height: 12, width: 12 }).apply(x); // [null, 12, 12, 3]
 * const any = tfl.input({ shape: [null, null, 3] });
 * const up = resize2d({ scale: 4 }).apply(any); // [null, null, null, 3], 4x the input's size
 * ```
 * @category Layers
 */
export function resize2d(options: Resize2DOptions): Resize2D {
  return new Resize2D(options);
}
