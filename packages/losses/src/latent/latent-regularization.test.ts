import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mean, pseudoRandom, relu } from '../../test/reference.js';
import { latentDistance, lipschitzHinge } from './latent-regularization.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rows = (flat: number[], n: number) =>
  Array.from({ length: flat.length / n }, (_, r) => flat.slice(r * n, r * n + n));
const l1 = (a: number[], b: number[]) => a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0);
const l2 = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));

describe('latent distance', () => {
  it('averages per-sample L1 (default) or L2 norms over the batch', async () => {
    const a = pseudoRandom(4 * 6, 1);
    const b = pseudoRandom(4 * 6, 2);
    const [ta, tb] = [tf.tensor(a, [4, 3, 2]), tf.tensor(b, [4, 3, 2])];
    const before = tf.memory().numTensors;
    const d1 = latentDistance(ta, tb);
    const d2 = latentDistance(ta, tb, { norm: 'l2' });
    expect((await d1.data())[0]).toBeCloseTo(mean(rows(a, 6).map((r, i) => l1(r, rows(b, 6)[i]!))), 5);
    expect((await d2.data())[0]).toBeCloseTo(mean(rows(a, 6).map((r, i) => l2(r, rows(b, 6)[i]!))), 5);
    tf.dispose([d1, d2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ta, tb]);
  });

  it('names mismatched shapes', () => {
    expect(() => latentDistance(tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow(
      'latentDistance: encodedTarget and encodedGenerated must have the same shape, got [2, 3] and [2, 4]',
    );
    expect(() => latentDistance(tf.zeros([2, 3]), tf.zeros([2, 3]), { norm: 'linf' as never })).toThrow(
      "latentDistance: norm must be one of 'l1', 'l2', got 'linf'",
    );
  });
});

describe('Lipschitz hinge', () => {
  it('is the batch mean of per-sample relu(||G(z) - y|| - k ||E(G(z)) - E(y)||)', async () => {
    const g = pseudoRandom(5 * 8, 3);
    const y = pseudoRandom(5 * 8, 4);
    const eg = pseudoRandom(5 * 2, 5).map((x) => 3 * x);
    const ey = pseudoRandom(5 * 2, 6).map((x) => 3 * x);
    const t = {
      generated: tf.tensor(g, [5, 2, 2, 2]),
      target: tf.tensor(y, [5, 2, 2, 2]),
      encodedGenerated: tf.tensor2d(eg, [5, 2]),
      encodedTarget: tf.tensor2d(ey, [5, 2]),
    };
    const ref = (k: number, n: typeof l1) =>
      mean(rows(g, 8).map((r, i) => relu(n(r, rows(y, 8)[i]!) - k * n(rows(eg, 2)[i]!, rows(ey, 2)[i]!))));
    // k = 1.5 leaves some samples inside the constraint (relu = 0) and some outside
    const perSample = rows(g, 8).map(
      (r, i) => l1(r, rows(y, 8)[i]!) - 1.5 * l1(rows(eg, 2)[i]!, rows(ey, 2)[i]!),
    );
    expect(perSample.some((v) => v > 0) && perSample.some((v) => v < 0)).toBe(true);
    const before = tf.memory().numTensors;
    const h1 = lipschitzHinge(t, { k: 1.5 });
    const h2 = lipschitzHinge(t, { k: 0.5, norm: 'l2' });
    const h3 = lipschitzHinge(t);
    expect((await h1.data())[0]).toBeCloseTo(ref(1.5, l1), 5);
    expect((await h2.data())[0]).toBeCloseTo(ref(0.5, l2), 5);
    expect((await h3.data())[0]).toBeCloseTo(ref(1, l1), 5);
    tf.dispose([h1, h2, h3]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(t));
  });

  it('names the mismatched argument', () => {
    const x = tf.zeros([2, 4]);
    const z = tf.zeros([2, 3]);
    expect(() =>
      lipschitzHinge({ generated: x, target: tf.zeros([2, 5]), encodedGenerated: z, encodedTarget: z }),
    ).toThrow('lipschitzHinge: generated and target must have the same shape, got [2, 4] and [2, 5]');
    expect(() =>
      lipschitzHinge({
        generated: x,
        target: x,
        encodedGenerated: tf.zeros([3, 3]),
        encodedTarget: tf.zeros([3, 3]),
      }),
    ).toThrow(
      'lipschitzHinge: generated and encodedGenerated must have the same batch size, got [2, 4] and [3, 3]',
    );
    expect(() => lipschitzHinge({ generated: x, target: x, encodedGenerated: z } as never)).toThrow(
      'lipschitzHinge: encodedTarget must be a tensor, got undefined',
    );
  });

  it('keeps the encoder from collapsing to a constant, which the latent distance alone does', () => {
    // E: a linear encoder of 8-d "images" into 3-d latents; y and G(z) = y + noise are fixed
    const y = tf.tensor2d(pseudoRandom(16 * 8, 7), [16, 8]);
    const generated = tf.add(y, tf.mul(0.3, tf.tensor2d(pseudoRandom(16 * 8, 8), [16, 8])));
    const spread = (e: tfl.LayersModel) =>
      tf.tidy(() => {
        const out = e.predict(y) as tf.Tensor;
        return tf.mean(tf.abs(tf.sub(out, tf.mean(out, 0)))).dataSync()[0]!;
      });
    const train = (withHinge: boolean) => {
      const e = tfl.sequential({
        layers: [
          tfl.layers.dense({
            inputShape: [8],
            units: 3,
            kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
          }),
        ],
      });
      const opt = tf.train.adam(0.05);
      const initial = spread(e);
      for (let step = 0; step < 150; step++) {
        tf.dispose(
          opt.minimize((): tf.Scalar => {
            const [ey, eg] = [e.apply(y) as tf.Tensor, e.apply(generated) as tf.Tensor];
            const d = latentDistance(ey, eg);
            if (!withHinge) return d;
            const h = lipschitzHinge(
              { generated, target: y, encodedGenerated: eg, encodedTarget: ey },
              { k: 1 },
            );
            return tf.add(d, tf.mul(10, h)) as tf.Scalar;
          }, true) ?? undefined,
        );
      }
      const final = spread(e);
      opt.dispose();
      e.dispose();
      return final / initial;
    };
    const alone = train(false);
    const regularized = train(true);
    expect(alone).toBeLessThan(0.05); // collapsed: every y maps to (nearly) the same latent
    expect(regularized).toBeGreaterThan(0.5); // kept apart by the hinge
    tf.dispose([y, generated]);
  });
});
