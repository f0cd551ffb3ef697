import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { classFidelity } from './class-fidelity.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

// labels each image by the value of its first pixel, so the expected counts are known
const byFirstPixel = {
  predict: (x: tf.Tensor4D) =>
    tf.tidy(() => tf.cast(tf.reshape(tf.slice(x, [0, 0, 0, 0], [-1, 1, 1, 1]), [-1]), 'int32')),
};

describe('classFidelity', () => {
  it('counts hits overall and per class across batches, without leaks', async () => {
    const firstPixels = [0, 1, 2, 2, 1, 0, 2];
    const requested = [0, 1, 2, 1, 1, 2, 2];
    const images = tf.tidy(() =>
      tf.mul(tf.ones([7, 3, 3, 1]), tf.reshape(tf.tensor1d(firstPixels), [7, 1, 1, 1])),
    ) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const r = await classFidelity(byFirstPixel, images, requested, { batchSize: 3, numClasses: 4 });
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    // hits: index 0 (0), 1 (1), 2 (2), 4 (1), 6 (2) -> 5 of 7
    expect(r.accuracy).toBeCloseTo(5 / 7, 12);
    expect(r.counts).toEqual([1, 3, 3, 0]);
    expect(r.perClass[0]).toBe(1);
    expect(r.perClass[1]).toBeCloseTo(2 / 3, 12);
    expect(r.perClass[2]).toBeCloseTo(2 / 3, 12);
    expect(r.perClass[3]).toBeNaN();
  });

  it('names mismatched counts and out-of-range labels', async () => {
    const images = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    await expect(classFidelity(byFirstPixel, images, [0])).rejects.toThrow(
      'classFidelity: got 2 images ([2, 2, 2, 1]) but 1 labels',
    );
    await expect(classFidelity(byFirstPixel, images, [0, 3], { numClasses: 3 })).rejects.toThrow(
      /labels must be integers in \[0, 2\], got 3 at index 1/,
    );
    await expect(classFidelity(byFirstPixel, images, [0, 1], { numClasses: 3 })).resolves.toBeTruthy();
    await expect(classFidelity(byFirstPixel, images, [0, -1])).rejects.toBeInstanceOf(GanError);
    images.dispose();
  });
});
