import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * The fixed input a zoo model's golden values are computed on: four seeded latents (classes
 * 0-3 for class-conditional generators), or a 12x12 RGB test pattern for upscalers.
 * @internal
 */
export function goldenInput(
  generator: tfl.LayersModel,
  kind: { classConditional: boolean; upscales: boolean },
): { tensors: tf.Tensor[]; description: string } {
  if (kind.upscales) {
    const pattern = tf.tidy(() => {
      const i = tf.range(0, 12 * 12 * 3, 1, 'float32');
      return tf.reshape(tf.sin(tf.mul(i, 0.37)), [1, 12, 12, 3]);
    });
    return { tensors: [pattern], description: 'sin(0.37 i) for i = 0 .. 431, as a [1, 12, 12, 3] image' };
  }
  const latentDim = generator.inputs[0]!.shape[1] as number;
  const z = tf.randomNormal([4, latentDim], 0, 1, 'float32', 1);
  if (!kind.classConditional)
    return { tensors: [z], description: `tf.randomNormal([4, ${latentDim}], 0, 1, 'float32', 1)` };
  return {
    tensors: [z, tf.tensor2d([0, 1, 2, 3], [4, 1], 'int32')],
    description: `tf.randomNormal([4, ${latentDim}], 0, 1, 'float32', 1) with classes 0, 1, 2, 3`,
  };
}
