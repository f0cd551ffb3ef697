import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mean, pseudoRandom } from '../../test/reference.js';
import { gradientPenalty, r1Penalty, r2Penalty, randomInterpolates } from './gradient-penalty.js';
import { clipWeights } from './weight-clipping.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A two-layer critic D(x) = v . leakyReLU(x W + b) + c, in tfjs and in plain JS.
const IN = 4;
const HID = 5;
const W = pseudoRandom(IN * HID, 1);
const B = pseudoRandom(HID, 2);
const V = pseudoRandom(HID, 3);
const ALPHA = 0.2;

function jsInputGradient(x: number[]): number[] {
  const h = Array.from(
    { length: HID },
    (_, j) => B[j]! + x.reduce((s, xi, i) => s + xi * W[i * HID + j]!, 0),
  );
  return x.map((_, i) => h.reduce((s, hj, j) => s + V[j]! * (hj > 0 ? 1 : ALPHA) * W[i * HID + j]!, 0));
}
const norm = (g: number[]) => Math.sqrt(g.reduce((s, x) => s + x * x, 0));

function tfCritic() {
  const w = tf.tensor2d(W, [IN, HID]);
  const b = tf.tensor1d(B);
  const v = tf.tensor2d(V, [HID, 1]);
  const critic = (x: tf.Tensor) => tf.add(tf.matMul(tf.leakyRelu(tf.add(tf.matMul(x, w), b), ALPHA), v), 0.3);
  return { critic, dispose: () => tf.dispose([w, b, v]) };
}

const rows = (flat: ArrayLike<number>, n: number) =>
  Array.from({ length: flat.length / n }, (_, r) => Array.from(flat).slice(r * n, r * n + n));

describe('randomInterpolates', () => {
  it('puts one point per sample on the segment, the same for the same seed', async () => {
    const real = tf.tensor2d(pseudoRandom(6 * IN, 4), [6, IN]);
    const fake = tf.tensor2d(pseudoRandom(6 * IN, 5), [6, IN]);
    const a = randomInterpolates(real, fake, 9);
    const b = randomInterpolates(real, fake, 9);
    const c = randomInterpolates(real, fake, 10);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await a.data())).not.toEqual(Array.from(await c.data()));
    const [rs, fs, xs] = [rows(await real.data(), IN), rows(await fake.data(), IN), rows(await a.data(), IN)];
    xs.forEach((x, s) => {
      const eps = (x[0]! - fs[s]![0]!) / (rs[s]![0]! - fs[s]![0]!);
      expect(eps).toBeGreaterThanOrEqual(-1e-6);
      expect(eps).toBeLessThan(1 + 1e-6);
      x.forEach((xi, i) => {
        expect(xi).toBeCloseTo(fs[s]![i]! + eps * (rs[s]![i]! - fs[s]![i]!), 4);
      });
    });
    tf.dispose([real, fake, a, b, c]);
  });
});

describe('gradient penalty (WGAN-GP)', () => {
  it('matches lambda * E[(||grad D(x_hat)|| - target)^2] computed in plain JS at the interpolates', async () => {
    const { critic, dispose } = tfCritic();
    const real = tf.tensor2d(pseudoRandom(6 * IN, 6), [6, IN]);
    const fake = tf.tensor2d(pseudoRandom(6 * IN, 7), [6, IN]);
    const xs = randomInterpolates(real, fake, 3);
    const norms = rows(await xs.data(), IN).map((x) => norm(jsInputGradient(x)));
    const before = tf.memory().numTensors;
    const cases: [Parameters<typeof gradientPenalty>[3], number][] = [
      [{ seed: 3 }, 10 * mean(norms.map((n) => (n - 1) ** 2))],
      [{ seed: 3, weight: 2, target: 0.5 }, 2 * mean(norms.map((n) => (n - 0.5) ** 2))],
      [{ seed: 3, oneSided: true, target: 0.4 }, 10 * mean(norms.map((n) => Math.max(0, n - 0.4) ** 2))],
    ];
    for (const [options, expected] of cases) {
      const gp = gradientPenalty(critic, real, fake, options);
      expect((await gp.data())[0]).toBeCloseTo(expected, 4);
      gp.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([real, fake, xs]);
    dispose();
  });

  it('reaches the critic with the closed-form gradient 2 lambda (||w|| - 1) w / ||w|| of a linear critic', () => {
    const w = tf.variable(tf.tensor2d([0.6, -0.3, 1.2], [3, 1]));
    const real = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
    const fake = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    const { value, grads } = tf.variableGrads(
      () => gradientPenalty((x) => tf.matMul(x, w), real, fake, { seed: 1 }),
      [w],
    );
    const n = Math.hypot(0.6, -0.3, 1.2);
    expect(value.dataSync()[0]).toBeCloseTo(10 * (n - 1) ** 2, 4);
    Array.from(grads[w.name]!.dataSync()).forEach((g, i) => {
      expect(g).toBeCloseTo((20 * (n - 1) * [0.6, -0.3, 1.2][i]!) / n, 4);
    });
    // one-sided below the target: no penalty, no gradient
    const small = tf.variable(tf.tensor2d([0.1, 0.1, 0.1], [3, 1]));
    const low = tf.variableGrads(
      () => gradientPenalty((x) => tf.matMul(x, small), real, fake, { oneSided: true }),
      [small],
    );
    expect(low.value.dataSync()[0]).toBe(0);
    expect(Array.from(low.grads[small.name]!.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([
      w,
      small,
      real,
      fake,
      value,
      low.value,
      ...Object.values(grads),
      ...Object.values(low.grads),
    ]);
  });

  it('gives the generator nothing when the fakes come from a frozen generator, the critic everything', () => {
    const g = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3 })] });
    const d = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 1 })] });
    const z = tf.randomNormal([4, 2], 0, 1, 'float32', 1);
    const real = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
    g.trainable = false;
    const { value, grads } = tf.variableGrads(() =>
      gradientPenalty((x) => d.apply(x) as tf.Tensor, real, g.apply(z) as tf.Tensor, { seed: 4 }),
    );
    const names = Object.keys(grads);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => d.weights.some((w) => (w.read() as tf.Variable).name === n))).toBe(true);
    tf.dispose([z, real, value, ...Object.values(grads)]);
    g.dispose();
    d.dispose();
  });

  it('validates its inputs', () => {
    const x = tf.zeros([4, 3]);
    expect(() => gradientPenalty((t) => tf.sum(t, 1), x, tf.zeros([4, 2]))).toThrow(
      'gradientPenalty: real and fake must have the same shape, got [4, 3] and [4, 2]',
    );
    expect(() => gradientPenalty('D' as never, x, x)).toThrow(/gradientPenalty: critic must be a function/);
    expect(() => gradientPenalty((t) => t, x, x)).toThrow(
      'gradientPenalty: critic output must have shape [batch] or [batch, 1] (or [batch, height, width, 1] for patch logits), got [4, 3]',
    );
    expect(() => gradientPenalty((t) => tf.sum(t), x, x)).toThrow(/critic output must have shape/);
    expect(() => gradientPenalty((t) => tf.sum(t, 1), x, x, { weight: -1 })).toThrow(
      'gradientPenalty: weight must be a finite number >= 0, got -1',
    );
    expect(() => r1Penalty((t) => tf.sum(t, 1), tf.zeros([4]))).toThrow(
      'r1Penalty: real must have shape [batch, ...features], got [4]',
    );
    expect(() => gradientPenalty((t) => tf.sum(t, 1), x, x)).not.toThrow(GanError);
    x.dispose();
  });
});

describe('R1 and R2 penalties', () => {
  it('match gamma / 2 * E||grad D(x)||^2 on real and on generated data', async () => {
    const { critic, dispose } = tfCritic();
    const realFlat = pseudoRandom(6 * IN, 8);
    const fakeFlat = pseudoRandom(6 * IN, 9);
    const real = tf.tensor2d(realFlat, [6, IN]);
    const fake = tf.tensor2d(fakeFlat, [6, IN]);
    const sq = (flat: number[]) => mean(rows(flat, IN).map((x) => norm(jsInputGradient(x)) ** 2));
    const before = tf.memory().numTensors;
    const r1 = r1Penalty(critic, real);
    const r1b = r1Penalty(critic, real, { gamma: 1 });
    const r2 = r2Penalty(critic, fake, { gamma: 4 });
    expect((await r1.data())[0]).toBeCloseTo(5 * sq(realFlat), 4);
    expect((await r1b.data())[0]).toBeCloseTo(0.5 * sq(realFlat), 4);
    expect((await r2.data())[0]).toBeCloseTo(2 * sq(fakeFlat), 4);
    tf.dispose([r1, r1b, r2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([real, fake]);
    dispose();
  });
});

describe('weight clipping', () => {
  it('clips every weight to [-c, c] in place', () => {
    const a = tf.variable(tf.tensor1d([-1, 0.005, 2]));
    clipWeights([a]);
    expect(Array.from(a.dataSync())).toEqual([-0.01, 0.005, 0.01].map((x) => Math.fround(x)));
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [3], units: 2, kernelInitializer: 'ones' })],
    });
    clipWeights(model, 0.5);
    expect(
      Math.max(...model.getWeights().flatMap((w) => Array.from(w.dataSync()).map(Math.abs))),
    ).toBeLessThanOrEqual(0.5);
    expect(() => clipWeights([a], 0)).toThrow('clipWeights: clipValue must be a finite number > 0, got 0');
    expect(() => clipWeights([tf.zeros([1]) as tf.Variable])).toThrow(
      'clipWeights: weights[0] must be a tf.Variable',
    );
    a.dispose();
    model.dispose();
  });
});
