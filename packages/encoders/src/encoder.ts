import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * What an encoder expects as input.
 * @category Encoders
 */
export interface EncoderInputSpec {
  /** The value range images must be in, e.g. [-1, 1] (gankit's image convention). */
  range: readonly [number, number];
  /** Channels accepted; `any` for encoders that adapt. */
  channels: number | 'any';
  /** Smallest height/width the encoder accepts. */
  minSize: number;
  /** A fixed input height and width, when the encoder has one. */
  size?: readonly [number, number];
}

/**
 * Anything that turns images into features: the VGG networks of perceptual losses, the
 * learned encoder E of the latent-regularized GAN, classifier encoders for metrics. Every
 * encoder can be plugged into the perceptual loss, the latent regularization or a metric.
 * @category Encoders
 */
export interface Encoder {
  /** A readable name for logs. */
  readonly name: string;
  /** What the input must look like. */
  readonly inputSpec: EncoderInputSpec;
  /** The underlying network, for optimizers (`model.trainableWeights`) and checkpoints. */
  readonly model: tfl.LayersModel;
  /** Whether gradients flow into the encoder's weights. */
  readonly trainable: boolean;
  /**
   * Freezes or unfreezes the encoder's weights.
   * @param trainable - true to train it
   */
  setTrainable(trainable: boolean): void;
  /**
   * Encodes a batch of images. The caller owns the returned tensor(s).
   * @param images - [batch, height, width, channels] in `inputSpec.range`
   * @param options - `training`: run layers such as batch norm in training mode
   * @returns one feature tensor, or named taps for multi-output encoders
   */
  encode(images: tf.Tensor4D, options?: { training?: boolean }): tf.Tensor | Record<string, tf.Tensor>;
  /** @returns a JSON-safe snapshot that `fromConfig` rebuilds the encoder from */
  getConfig(): Record<string, unknown>;
  /** Frees the encoder's weights. */
  dispose(): void;
}
