import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchSource } from '../src/engine/types.js';

/** A deterministic stand-in dataset: seeded random images in [-1, 1], resumable by counter. */
export function syntheticSource(
  shape: [number, number, number],
  batchSize: number,
  numClasses = 0,
): BatchSource<Batch> {
  let i = 0;
  return {
    next() {
      i++;
      return tf.tidy(() => {
        const images = tf.tanh(
          tf.randomNormal([batchSize, ...shape], 0, 1, 'float32', 1000 + i),
        ) as tf.Tensor4D;
        if (!numClasses) return { images };
        const labels = tf.tensor1d(
          Array.from({ length: batchSize }, (_, k) => (k + i) % numClasses),
          'int32',
        );
        return { images, labels };
      });
    },
    getState: () => i,
    setState: (s) => {
      i = s as number;
    },
  };
}
