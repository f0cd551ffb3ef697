import { tfjsSeed } from '@gankit/core';
import { saveImageGrid } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The trainer's latent draw, so a seed means the same thing in training and in `sample`. */
export function latentBatch(n: number, latentDim: number, seed: number): tf.Tensor2D {
  return tf.randomNormal([n, latentDim], 0, 1, 'float32', tfjsSeed(seed));
}

/** The latent size of a generator whose first input is `[batch, latentDim]`. */
export function latentDimOf(generator: tfl.LayersModel): number {
  return generator.inputs[0]!.shape[1] as number;
}

/** Writes an image grid of `n` samples of an unconditional image generator. */
export async function sampleImageGrid(
  generator: tfl.LayersModel,
  n: number,
  seed: number,
  out: string,
  cols?: number,
): Promise<void> {
  const images = tf.tidy(
    () => generator.predict(latentBatch(n, latentDimOf(generator), seed)) as tf.Tensor4D,
  );
  try {
    await saveImageGrid(images, out, { scale: 2, ...(cols ? { cols } : {}) });
  } finally {
    images.dispose();
  }
}
