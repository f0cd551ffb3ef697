import { formatShape, GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * What an encoder expects as input.
 * @category Encoders
 */
export interface EncoderInputSpec {
  /** The value range images must be in, e.g. [-1, 1] (gankit's image convention). */
  range: readonly [number, number];
  /** Channels accepted: one count, a list of accepted counts, or `any` for encoders that adapt. */
  channels: number | readonly number[] | 'any';
  /** Smallest height/width the encoder accepts. */
  minSize: number;
  /** A fixed input height and width, when the encoder has one. */
  size?: readonly [number, number];
}

/**
 * Options of {@link Encoder.encode} (and of every other encoder's `encode`).
 * @category Encoders
 */
export interface EncodeOptions {
  /** Run layers such as batch norm and dropout in training mode. Default false. */
  training?: boolean;
}

/**
 * What an encoder returns: one feature tensor, or named taps (`{ block5_conv4: ..., features: ... }`)
 * for multi-output encoders. The caller owns every tensor in it.
 * @category Encoders
 */
export type EncoderOutput = tf.Tensor | Record<string, tf.Tensor>;

/**
 * What every gankit encoder has, whatever its input: the network, trainability, a saveable
 * config. Image encoders ({@link Encoder}) and caption encoders ({@link CaptionEncoder}) extend it.
 * @typeParam I - the input tensor type (`tf.Tensor4D` images or `tf.Tensor2D` token ids)
 * @category Encoders
 */
export interface EncoderBase<I extends tf.Tensor = tf.Tensor> {
  /** A readable name for logs. */
  readonly name: string;
  /** The underlying network, for optimizers (`model.trainableWeights`) and checkpoints. */
  readonly model: tfl.LayersModel;
  /** Whether gradients flow into the encoder's weights. */
  readonly trainable: boolean;
  /**
   * Freezes or unfreezes the encoder's weights. A frozen encoder still passes gradients to its
   * input (what a perceptual loss needs); its own weights get none.
   * @param trainable - true to train it
   */
  setTrainable(trainable: boolean): void;
  /**
   * Encodes a batch. The caller owns the returned tensor(s).
   * @param input - the batch
   * @param options - `training`: run layers such as batch norm in training mode
   * @returns one feature tensor, or named taps for multi-output encoders
   */
  encode(input: I, options?: EncodeOptions): EncoderOutput;
  /** @returns a JSON-safe snapshot that the class's `fromConfig` rebuilds the encoder from */
  getConfig(): Record<string, unknown>;
  /** Frees the encoder's weights. */
  dispose(): void;
}

/**
 * Anything that turns images into features: the VGG networks of perceptual losses, the
 * learned encoder E of the latent-regularized GAN, classifier encoders for metrics. Every
 * encoder can be plugged into the perceptual loss, the latent regularization or a metric.
 * @category Encoders
 */
export interface Encoder extends EncoderBase<tf.Tensor4D> {
  /** What the input must look like. */
  readonly inputSpec: EncoderInputSpec;
  /**
   * Encodes a batch of images. The caller owns the returned tensor(s).
   * @param images - [batch, height, width, channels] in `inputSpec.range`
   * @param options - `training`: run layers such as batch norm in training mode
   * @returns one feature tensor, or named taps for multi-output encoders
   */
  encode(images: tf.Tensor4D, options?: EncodeOptions): EncoderOutput;
}

/**
 * Turns an encoder's output into named taps: a record stays as it is, a single tensor becomes
 * `{ [name]: tensor }`. Creates no tensors.
 * @param output - what an encoder's `encode` returned
 * @param name - the key for a single tensor (default `features`)
 * @returns the taps, keyed by name (the same tensors, still owned by the caller)
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { cnnEncoder, toTaps } from '@gankit/encoders';
 * const enc = cnnEncoder({ inputShape: [8, 8, 1], targetShape: [4], baseWidth: 2 });
 * const taps = toTaps(enc.encode(tf.zeros([1, 8, 8, 1])));
 * console.log(Object.keys(taps)); // ['features']
 * ```
 * @category Encoders
 */
export function toTaps(output: EncoderOutput, name = 'features'): Record<string, tf.Tensor> {
  return isTensor(output) ? { [name]: output } : output;
}

function isTensor(x: unknown): x is tf.Tensor {
  return typeof x === 'object' && x !== null && 'dataId' in x && 'shape' in x && 'dtype' in x;
}

/**
 * Checks a batch of images against an encoder's {@link EncoderInputSpec}: rank 4, an accepted
 * channel count, at least `minSize` pixels high and wide, and exactly `size` when fixed.
 * @param fn - the calling function, for the message (e.g. `VggEncoder.encode`)
 * @param spec - what the encoder accepts
 * @param images - the batch
 * @throws GanError `SHAPE_MISMATCH` naming the expected and received shapes
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { checkEncoderInput } from '@gankit/encoders';
 * checkEncoderInput('demo', { range: [-1, 1], channels: [1, 3], minSize: 4 }, tf.zeros([2, 8, 8, 3]));
 * ```
 * @category Encoders
 */
export function checkEncoderInput(fn: string, spec: EncoderInputSpec, images: tf.Tensor): void {
  const { channels, minSize, size } = spec;
  const expectedChannels =
    channels === 'any' ? 'c' : typeof channels === 'number' ? String(channels) : channels.join(' or ');
  const expectedHw = size ? `${size[0]}, ${size[1]}` : `h >= ${minSize}, w >= ${minSize}`;
  const fail = (): never => {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: images must have shape [batch, ${expectedHw}, ${expectedChannels}], got ${formatShape(images.shape)}`,
    );
  };
  if (images.rank !== 4) fail();
  const [, h = 0, w = 0, c = 0] = images.shape;
  if (size ? h !== size[0] || w !== size[1] : h < minSize || w < minSize) fail();
  if (channels !== 'any' && !(typeof channels === 'number' ? c === channels : channels.includes(c))) fail();
}
