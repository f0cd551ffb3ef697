import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mean, relu, softplus } from '../../test/reference.js';
import { matchingAwareDiscriminatorLoss } from './matching-aware.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sr = [1.5, -0.5, 2];
const sf = [-1, 0.3, 0.8];
const sw = [0.2, -2, 1.1];

describe('matching-aware discriminator loss (GAN-CLS)', () => {
  it("is Reed et al.'s log(s_r) + (log(1 - s_w) + log(1 - s_f)) / 2 by default, with weights configurable", async () => {
    const [r, f, w] = [tf.tensor1d(sr), tf.tensor2d(sf, [3, 1]), tf.tensor1d(sw)];
    const before = tf.memory().numTensors;
    const reed =
      -mean(sr.map((x) => Math.log(1 / (1 + Math.exp(-x))))) -
      0.5 *
        (mean(sw.map((x) => Math.log(1 - 1 / (1 + Math.exp(-x))))) +
          mean(sf.map((x) => Math.log(1 - 1 / (1 + Math.exp(-x))))));
    const d = matchingAwareDiscriminatorLoss(r, f, w);
    expect((await d.data())[0]).toBeCloseTo(reed, 5);
    // weights 1 and 0.25: the real term carries their sum
    const weighted =
      1.25 * mean(sr.map((x) => softplus(-x))) + 1 * mean(sf.map(softplus)) + 0.25 * mean(sw.map(softplus));
    const d2 = matchingAwareDiscriminatorLoss(r, f, w, { fakeWeight: 1, wrongWeight: 0.25 });
    expect((await d2.data())[0]).toBeCloseTo(weighted, 5);
    // with the hinge loss
    const hinge =
      0.5 * (mean(sr.map((x) => relu(1 - x))) + mean(sf.map((x) => relu(1 + x)))) +
      0.5 * (mean(sr.map((x) => relu(1 - x))) + mean(sw.map((x) => relu(1 + x))));
    const d3 = matchingAwareDiscriminatorLoss(r, f, w, { loss: 'hinge' });
    expect((await d3.data())[0]).toBeCloseTo(hinge, 5);
    tf.dispose([d, d2, d3]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([r, f, w]);
  });

  it('validates its logits, weights and loss name', () => {
    const ok = tf.zeros([2]);
    expect(() => matchingAwareDiscriminatorLoss(ok, ok, tf.zeros([2, 3]))).toThrow(
      'matchingAwareDiscriminatorLoss: realWrongLogits must have shape [batch] or [batch, 1] (or [batch, height, width, 1] for patch logits), got [2, 3]',
    );
    expect(() => matchingAwareDiscriminatorLoss(ok, ok, ok, { fakeWeight: -1 })).toThrow(
      'matchingAwareDiscriminatorLoss: fakeWeight must be a finite number >= 0, got -1',
    );
    expect(() => matchingAwareDiscriminatorLoss(ok, ok, ok, { loss: 'hinj' })).toThrow(
      /unknown adversarial loss 'hinj'/,
    );
    ok.dispose();
  });
});
