import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { finiteDifference, mean } from '../../test/reference.js';
import {
  acganDiscriminatorClassLoss,
  acganGeneratorClassLoss,
  acganLosses,
  auxiliaryClassifierLoss,
} from './acgan.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const logits = [
  [2, -1, 0.5],
  [0, 0, 0],
  [-3, 1, 4],
];
const labels = [0, 2, 1];
/** -log softmax(row)[label], in plain JS. */
const ce = (rows: number[][], ls: number[]) =>
  mean(
    rows.map((row, i) => {
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
      return lse - row[ls[i]!]!;
    }),
  );

describe('ACGAN auxiliary classifier terms', () => {
  it('is the softmax cross-entropy, with index or one-hot labels', async () => {
    const l = tf.tensor2d(logits);
    const idx = tf.tensor1d(labels, 'int32');
    const oneHot = tf.tensor2d(labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    const before = tf.memory().numTensors;
    const a = auxiliaryClassifierLoss(l, idx);
    const b = auxiliaryClassifierLoss(l, oneHot);
    expect((await a.data())[0]).toBeCloseTo(ce(logits, labels), 5);
    expect((await b.data())[0]).toBeCloseTo(ce(logits, labels), 5);
    const fakeLogits = tf.tensor2d([
      [1, 1, 1],
      [0, 5, 0],
      [2, 0, 0],
    ]);
    const fakeLabels = [1, 1, 0];
    const d = acganDiscriminatorClassLoss(l, idx, fakeLogits, tf.tensor1d(fakeLabels), { fakeWeight: 0.5 });
    const g = acganGeneratorClassLoss(fakeLogits, tf.tensor1d(fakeLabels));
    const fakeCe = ce(
      [
        [1, 1, 1],
        [0, 5, 0],
        [2, 0, 0],
      ],
      fakeLabels,
    );
    expect((await d.data())[0]).toBeCloseTo(ce(logits, labels) + 0.5 * fakeCe, 5);
    expect((await g.data())[0]).toBeCloseTo(fakeCe, 5);
    const pair = acganLosses();
    const d1 = pair.discriminator(l, idx, fakeLogits, tf.tensor1d(fakeLabels));
    expect((await d1.data())[0]).toBeCloseTo(ce(logits, labels) + fakeCe, 5);
    tf.dispose([a, b, d, g, d1, fakeLogits]);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 3); // the three label tensors made inline
    tf.dispose([l, idx, oneHot]);
  });

  it('has the gradient softmax - onehot (finite differences)', () => {
    const l = tf.tensor2d(logits);
    const idx = tf.tensor1d(labels, 'int32');
    const g = tf.grad((x: tf.Tensor) => auxiliaryClassifierLoss(x, idx))(l);
    const fd = finiteDifference(
      (flat) => ce([flat.slice(0, 3), flat.slice(3, 6), flat.slice(6, 9)], labels),
      logits.flat(),
    );
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(fd[i]!, 4);
    });
    tf.dispose([l, idx, g]);
  });

  it('names the argument and shapes when labels do not fit', () => {
    const l = tf.zeros([3, 4]);
    expect(() => auxiliaryClassifierLoss(l, tf.zeros([2]))).toThrow(
      'auxiliaryClassifierLoss: labels must have shape [batch] or [batch, numClasses] = [3] or [3, 4], got [2]',
    );
    expect(() => auxiliaryClassifierLoss(tf.zeros([3]), tf.zeros([3]))).toThrow(
      'auxiliaryClassifierLoss: classLogits must have shape [batch, numClasses], got [3]',
    );
    expect(() => acganGeneratorClassLoss(l, tf.zeros([3, 5]))).toThrow(
      /acganGeneratorClassLoss: fakeLabels must have shape/,
    );
    l.dispose();
  });
});
