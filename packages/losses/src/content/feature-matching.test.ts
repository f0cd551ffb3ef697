import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mean, pseudoRandom } from '../../test/reference.js';
import { featureMatchingLoss } from './feature-matching.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const real1 = pseudoRandom(4 * 3, 1); // [4, 3]
const fake1 = pseudoRandom(4 * 3, 2);
const real2 = pseudoRandom(4 * 2 * 2, 3); // [4, 2, 2]
const fake2 = pseudoRandom(4 * 2 * 2, 4);

const batchMean = (x: number[], k: number) =>
  Array.from({ length: k }, (_, j) => mean(Array.from({ length: x.length / k }, (_, b) => x[b * k + j]!)));

describe('feature matching', () => {
  it('compares batch statistics (Salimans) or pairs (pix2pixHD), per layer with weights', async () => {
    const r = [tf.tensor2d(real1, [4, 3]), tf.tensor3d(real2, [4, 2, 2])];
    const f = [tf.tensor2d(fake1, [4, 3]), tf.tensor3d(fake2, [4, 2, 2])];
    const before = tf.memory().numTensors;
    const stat = (a: number[], b: number[], k: number, d: (x: number) => number) => {
      const [ma, mb] = [batchMean(a, k), batchMean(b, k)];
      return mean(ma.map((x, i) => d(x - mb[i]!)));
    };
    const sq = (x: number) => x * x;
    const s = featureMatchingLoss(r, f, { layerWeights: [1, 0.5] });
    expect((await s.data())[0]).toBeCloseTo(stat(real1, fake1, 3, sq) + 0.5 * stat(real2, fake2, 4, sq), 6);
    const p = featureMatchingLoss(r, f, { mode: 'paired', distance: 'l1' });
    const paired = (a: number[], b: number[]) => mean(a.map((x, i) => Math.abs(x - b[i]!)));
    expect((await p.data())[0]).toBeCloseTo(paired(real1, fake1) + paired(real2, fake2), 6);
    const single = featureMatchingLoss(r[0]!, f[0]!);
    expect((await single.data())[0]).toBeCloseTo(stat(real1, fake1, 3, sq), 6);
    tf.dispose([s, p, single]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...r, ...f]);
  });

  it('compares statistics across different batch sizes but wants the same layers', () => {
    const a = tf.zeros([4, 3]);
    const b = tf.ones([2, 3]);
    expect(featureMatchingLoss(a, b).dataSync()[0]).toBe(1);
    expect(() => featureMatchingLoss(a, b, { mode: 'paired' })).toThrow(
      'featureMatchingLoss: realFeatures and fakeFeatures must have the same shape, got [4, 3] and [2, 3]',
    );
    expect(() => featureMatchingLoss([a], [b, b])).toThrow(
      'featureMatchingLoss: realFeatures and fakeFeatures must hold the same number of layers (at least one), got 1 and 2',
    );
    expect(() => featureMatchingLoss(a, tf.zeros([4, 2]))).toThrow(
      'featureMatchingLoss: realFeatures per sample and fakeFeatures per sample must have the same shape, got [3] and [2]',
    );
    expect(() => featureMatchingLoss([a], [b], { layerWeights: [1, 2] })).toThrow(
      /layerWeights must hold one weight per layer/,
    );
    tf.dispose([a, b]);
  });
});
