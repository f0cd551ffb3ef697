import type * as tf from '@tensorflow/tfjs-core';

/**
 * A frozen network that turns images into one feature vector each: the feature network of
 * FID, KID and precision/recall. Two feature networks give comparable numbers only when their `name`
 * and `weightsHash` agree, which is why every metric records both in its provenance.
 *
 * Implemented by {@link fashionClassifierFeatures} (the shipped Fashion-MNIST classifier) and
 * {@link loadInceptionV3} (a user-provided InceptionV3).
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { type FeatureNetwork, fashionClassifierFeatures } from '@gankit/encoders';
 * const network: FeatureNetwork = await fashionClassifierFeatures();
 * const features = network.features(tf.zeros([2, 28, 28, 1]));
 * console.log(network.name, network.weightsHash, features.shape); // ... [2, 128]
 * features.dispose();
 * network.dispose();
 * ```
 * @category Encoders
 */
export interface FeatureNetwork {
  /** What the features are, for provenance: e.g. `fashion-classifier (penultimate, 128-d)`. */
  readonly name: string;
  /** The first 16 hex digits of the SHA-256 of the weight bytes, for provenance. */
  readonly weightsHash: string;
  /**
   * The [height, width] images are resized to before the network sees them, or `undefined` when
   * the network takes images at their own size (which must then be the network's input size).
   */
  readonly inputSize: readonly [number, number] | undefined;
  /** The network's own input, [height, width, channels]; provenance reports it as `HxWxC`. */
  readonly inputShape: readonly [number, number, number];
  /** The channel counts `features` accepts, e.g. `[1]` or `[1, 3]`. */
  readonly channels: readonly number[];
  /** The length of one feature vector. */
  readonly dim: number;
  /**
   * Features of a batch of images. Leaves no intermediate tensors behind; does not dispose `images`.
   * @param images - [batch, height, width, channels] in [-1, 1]
   * @returns [batch, dim] (the caller owns it)
   * @throws GanError `SHAPE_MISMATCH` for images the network does not take
   */
  features(images: tf.Tensor4D): tf.Tensor2D;
  /** Frees the network's weights. Calling it again does nothing. */
  dispose(): void;
}
