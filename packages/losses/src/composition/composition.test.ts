import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { combineAdversarialLoss } from './adaptive.js';
import { weightedSum } from './weighted-sum.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('weightedSum', () => {
  it('sums weighted terms and reports each unweighted value, kept past optimizer.minimize', async () => {
    const v = tf.variable(tf.scalar(2));
    const opt = tf.train.sgd(0.1);
    let values: Record<string, tf.Scalar> = {};
    const before = tf.memory().numTensors;
    const total = opt.minimize(() => {
      const r = weightedSum({
        content: [1, tf.square(v) as tf.Scalar],
        adversarial: { weight: 1e-3, value: tf.mul(v, 10) as tf.Scalar },
        off: [0, tf.scalar(5)],
      });
      values = r.values;
      return r.total;
    }, true)!;
    expect((await total.data())[0]).toBeCloseTo(4 + 0.02, 6);
    expect((await values.content!.data())[0]).toBeCloseTo(4, 6);
    expect((await values.adversarial!.data())[0]).toBeCloseTo(20, 6);
    expect((await values.off!.data())[0]).toBe(5);
    // gradient of 4 + 1e-3 * 10 v: 2v + 0.01 = 4.01, so v = 2 - 0.401
    expect((await v.data())[0]).toBeCloseTo(1.599, 5);
    tf.dispose([total, ...Object.values(values)]);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    v.dispose();
  });

  it('checks weights and values', () => {
    expect(() => weightedSum({ a: [-1, tf.scalar(1)] })).toThrow(
      'weightedSum: a.weight must be a finite number >= 0, got -1',
    );
    expect(() => weightedSum({ a: [1, tf.ones([2]) as unknown as tf.Scalar] })).toThrow(
      'weightedSum: a.value must be a scalar tensor, got a tensor of shape [2]',
    );
    expect(() => weightedSum({})).toThrow('weightedSum: terms must hold at least one term');
  });
});

describe('combineAdversarialLoss (TF-GAN)', () => {
  it('scales the adversarial gradient to gradientRatio times the main one and combines the gradients', async () => {
    const v = tf.variable(tf.tensor1d([1, -2]), true, 'combine_v');
    const main = () => tf.sum(tf.square(v)) as tf.Scalar; // grad 2v = [2, -4], norm sqrt(20)
    const adv = () => tf.sum(tf.mul(v, tf.tensor1d([3, 4]))) as tf.Scalar; // grad [3, 4], norm 5
    const before = tf.memory().numTensors;
    const r = combineAdversarialLoss(main, adv, [v], { gradientRatio: 0.5 });
    const w = (0.5 * Math.sqrt(20)) / (5 + 1e-6);
    expect((await r.weight.data())[0]).toBeCloseTo(w, 5);
    expect((await r.total.data())[0]).toBeCloseTo(5 + w * -5, 5);
    const g = Array.from(await r.grads.combine_v!.data());
    expect(g[0]).toBeCloseTo(2 + 3 * w, 5);
    expect(g[1]).toBeCloseTo(-4 + 4 * w, 5);
    expect((await r.gradientNorms.main.data())[0]).toBeCloseTo(Math.sqrt(20), 5);
    expect((await r.values.adversarial.data())[0]).toBeCloseTo(-5, 5);
    const fixed = combineAdversarialLoss(main, adv, [v], { weightFactor: 2 });
    expect(Array.from(await fixed.grads.combine_v!.data())).toEqual([8, 4]);
    for (const res of [r, fixed]) {
      tf.dispose([
        res.total,
        res.weight,
        ...Object.values(res.grads),
        ...Object.values(res.values),
        ...Object.values(res.gradientNorms),
      ]);
    }
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });

  it('refuses to run inside a gradient tape and contradictory options', () => {
    const v = tf.variable(tf.scalar(1));
    const f = () => tf.square(v) as tf.Scalar;
    expect(() => tf.grad(() => combineAdversarialLoss(f, f, [v]).total)(tf.scalar(1))).toThrow(
      /combineAdversarialLoss: called inside a gradient tape/,
    );
    expect(() => combineAdversarialLoss(f, f, [v], { weightFactor: 1, gradientRatio: 1 })).toThrow(
      'combineAdversarialLoss: give weightFactor or gradientRatio, not both',
    );
    expect(() => combineAdversarialLoss(f, f, [])).toThrow(/variables must be a non-empty array/);
    v.dispose();
  });
});
