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

/** Paired stand-in data: seeded targets in [-1, 1] and their average-pooled `scale`x inputs. */
export function pairedSyntheticSource(
  targetShape: [number, number, number],
  scale: number,
  batchSize: number,
  inputChannels = targetShape[2],
): { next(): { inputs: tf.Tensor4D; targets: tf.Tensor4D } } & BatchSource<{
  inputs: tf.Tensor4D;
  targets: tf.Tensor4D;
}> {
  let i = 0;
  return {
    next() {
      i++;
      return tf.tidy(() => {
        const targets = tf.tanh(
          tf.randomNormal([batchSize, ...targetShape], 0, 1, 'float32', 2000 + i),
        ) as tf.Tensor4D;
        let inputs = scale === 1 ? targets : tf.avgPool(targets, scale, scale, 'valid');
        if (inputChannels !== targetShape[2]) inputs = tf.mean(inputs, 3, true);
        return { inputs: tf.clone(inputs) as tf.Tensor4D, targets };
      });
    },
    getState: () => i,
    setState: (s) => {
      i = s as number;
    },
  };
}
