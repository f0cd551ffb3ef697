import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageDataset, stratifiedIndices, subsetImageDataset, toTensorBatch } from './image-dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// three 2x2 RGB images whose pixels encode (image, position) so gathers are checkable
const tiny = createImageDataset({
  name: 'tiny',
  height: 2,
  width: 2,
  channels: 3,
  classNames: ['a', 'b'],
  images: Uint8Array.from({ length: 36 }, (_, i) => (i < 12 ? 0 : i < 24 ? 255 : i)),
  labels: new Int32Array([1, 0, 1]),
});

describe('createImageDataset', () => {
  it('derives the count and keeps the fields', () => {
    expect(tiny.count).toBe(3);
    expect(tiny.numClasses).toBe(2);
  });

  it('names both counts when labels and images disagree', () => {
    expect(() =>
      createImageDataset({ ...tiny, images: new Uint8Array(24), labels: new Int32Array([0, 1, 1]) }),
    ).toThrow(
      new GanError(
        'INVALID_DATA',
        'createImageDataset: tiny has 2 images but 3 labels; expected one label per image',
      ),
    );
  });

  it('rejects partial images and out-of-range labels', () => {
    expect(() => createImageDataset({ ...tiny, images: new Uint8Array(13) })).toThrow(
      'createImageDataset: tiny has 13 pixel bytes, not a whole number of 2x2x3 images (12 bytes each)',
    );
    expect(() => createImageDataset({ ...tiny, labels: new Int32Array([0, 2, 1]) })).toThrow(
      'createImageDataset: tiny label 1 is 2, expected an integer in [0, 2)',
    );
  });
});

describe('toTensorBatch', () => {
  it('maps 0..255 to [-1, 1] in NHWC order with int32 labels, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const { images, labels } = toTensorBatch(tiny, [2, 0, 1]);
    expect(images.shape).toEqual([3, 2, 2, 3]);
    expect(images.dtype).toBe('float32');
    expect(labels.dtype).toBe('int32');
    const x = await images.data();
    expect(Array.from(await labels.data())).toEqual([1, 1, 0]);
    expect(x[0]).toBeCloseTo(24 / 127.5 - 1, 6);
    expect(x[11]).toBeCloseTo(35 / 127.5 - 1, 6);
    expect(Array.from(x.subarray(12, 24)).every((v) => v === -1)).toBe(true);
    expect(Array.from(x.subarray(24, 36)).every((v) => v === 1)).toBe(true);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    images.dispose();
    labels.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes all images without indices and rejects bad indices', () => {
    const before = tf.memory().numTensors;
    const all = toTensorBatch(tiny);
    expect(all.images.shape[0]).toBe(3);
    tf.dispose([all.images, all.labels]);
    expect(() => toTensorBatch(tiny, [0, 3])).toThrow(
      'toTensorBatch: indices[1] is 3, expected an integer in [0, 3) for tiny',
    );
    expect(() => toTensorBatch(tiny, [])).toThrow('toTensorBatch: indices must not be empty for tiny');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('subsetImageDataset and stratifiedIndices', () => {
  it('copies the chosen images in order', () => {
    const sub = subsetImageDataset(tiny, [2, 2, 1], 'sub');
    expect(sub.count).toBe(3);
    expect(sub.name).toBe('sub');
    expect(Array.from(sub.labels)).toEqual([1, 1, 0]);
    expect(Array.from(sub.images.subarray(0, 12))).toEqual(Array.from(tiny.images.subarray(24, 36)));
  });

  it('picks perClass distinct images of each class, reproducibly per seed', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);
    const a = stratifiedIndices(labels, 10, 20, 5);
    expect(a).toHaveLength(200);
    expect(new Set(a).size).toBe(200);
    const perClass = new Array(10).fill(0);
    for (const i of a) perClass[labels[i]!]++;
    expect(perClass).toEqual(new Array(10).fill(20));
    expect(stratifiedIndices(labels, 10, 20, 5)).toEqual(a);
    expect(stratifiedIndices(labels, 10, 20, 6)).not.toEqual(a);
    // shuffled, not grouped by class
    expect(a.slice(0, 20).every((i) => labels[i] === labels[a[0]!])).toBe(false);
    expect(() => stratifiedIndices(labels, 10, 101, 5)).toThrow(
      'stratifiedIndices: class 0 has 100 images, fewer than perClass = 101',
    );
  });
});
