import { checkInteger, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gaussianUpsample } from './pyramid.js';

const single = (inputs: tf.Tensor | tf.Tensor[]) => (Array.isArray(inputs) ? inputs[0]! : inputs);
const shapeOf = (inputShape: tfl.Shape | tfl.Shape[]) =>
  (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;

/**
 * {@link gaussianUpsample} as a layer, `[b, h, w, c]` to `[b, 2h, 2w, c]`: LAPGAN's u(.) inside
 * a saved sampling model. No weights. Registered as `gankit>PyramidUpsample`.
 * @category Pyramid
 */
export class PyramidUpsample extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'PyramidUpsample';

  /** @param args - the layer name */
  constructor(args: { name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = shapeOf(inputShape);
    const twice = (d: number | null | undefined) => (d == null ? null : 2 * d);
    return [s[0] ?? null, twice(s[1]), twice(s[2]), s[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return gaussianUpsample(single(inputs) as tf.Tensor4D);
  }
}
tf.serialization.registerClass(PyramidUpsample, 'gankit', 'PyramidUpsample');

/**
 * Columns `begin .. begin + size` of a `[b, d]` input: a LAPGAN sampling model takes one flat
 * latent vector (so it samples like any generator) and hands each level its part. No weights.
 * Registered as `gankit>LatentSlice`.
 * @category Pyramid
 */
export class LatentSlice extends tfl.layers.Layer {
  /** The tfjs serialization class name. */
  static readonly className = 'LatentSlice';
  private readonly begin: number;
  private readonly size: number;

  /** @param args - first column, number of columns, layer name */
  constructor(args: { begin: number; size: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.begin = checkInteger('latentSlice', 'begin', args.begin, 0);
    this.size = checkInteger('latentSlice', 'size', args.size, 1);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = shapeOf(inputShape);
    const d = s[1];
    if (s.length !== 2 || (d != null && d < this.begin + this.size)) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `latentSlice: input must be [batch, d] with d >= ${this.begin + this.size}, got [${s.map((v) => (v == null ? 'null' : String(v))).join(', ')}]`,
      );
    }
    return [s[0] ?? null, this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.slice(single(inputs), [0, this.begin], [-1, this.size]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}
tf.serialization.registerClass(LatentSlice, 'gankit', 'LatentSlice');
