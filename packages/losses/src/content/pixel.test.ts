import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { finiteDifference, mean, pseudoRandom } from '../../test/reference.js';
import { charbonnierLoss, l1Loss, l2Loss } from './pixel.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const p = pseudoRandom(2 * 3 * 3 * 2, 1);
const t = pseudoRandom(2 * 3 * 3 * 2, 2);
const shape = [2, 3, 3, 2];

describe('pixel losses', () => {
  it('match mean |p - t|, mean (p - t)^2 and mean sqrt((p - t)^2 + eps^2)', async () => {
    const [pt, tt] = [tf.tensor(p, shape), tf.tensor(t, shape)];
    const before = tf.memory().numTensors;
    const d = p.map((x, i) => x - t[i]!);
    const l1 = l1Loss(pt, tt);
    const l2 = l2Loss(pt, tt);
    const ch = charbonnierLoss(pt, tt);
    const ch2 = charbonnierLoss(pt, tt, { epsilon: 0.5 });
    expect((await l1.data())[0]).toBeCloseTo(mean(d.map(Math.abs)), 6);
    expect((await l2.data())[0]).toBeCloseTo(mean(d.map((x) => x * x)), 6);
    expect((await ch.data())[0]).toBeCloseTo(mean(d.map((x) => Math.sqrt(x * x + 1e-6))), 6);
    expect((await ch2.data())[0]).toBeCloseTo(mean(d.map((x) => Math.sqrt(x * x + 0.25))), 6);
    tf.dispose([l1, l2, ch, ch2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([pt, tt]);
  });

  it('have the gradients of their formulas (finite differences)', () => {
    const tt = tf.tensor(t, shape);
    const pt = tf.tensor(p, shape);
    const g = tf.grad((x: tf.Tensor) => charbonnierLoss(x, tt, { epsilon: 0.1 }))(pt);
    const fd = finiteDifference((xs) => mean(xs.map((x, i) => Math.sqrt((x - t[i]!) ** 2 + 0.01))), p);
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(fd[i]!, 4);
    });
    const g2 = tf.grad((x: tf.Tensor) => l2Loss(x, tt))(pt);
    const fd2 = finiteDifference((xs) => mean(xs.map((x, i) => (x - t[i]!) ** 2)), p);
    Array.from(g2.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(fd2[i]!, 4);
    });
    tf.dispose([tt, pt, g, g2]);
  });

  it('name the shapes when prediction and target differ', () => {
    const a = tf.zeros([4, 8, 8, 3]);
    const b = tf.zeros([4, 8, 8, 1]);
    expect(() => l1Loss(a, b)).toThrow(
      'l1Loss: prediction and target must have the same shape, got [4, 8, 8, 3] and [4, 8, 8, 1]',
    );
    expect(() => l2Loss(a, b)).toThrow(GanError);
    expect(() => charbonnierLoss(a, a, { epsilon: 0 })).toThrow(
      'charbonnierLoss: epsilon must be a finite number > 0, got 0',
    );
    expect(() => l1Loss(a, tf.zeros([4, 8, 8, 3], 'int32'))).toThrow(
      'l1Loss: target must be a float32 tensor, got int32',
    );
    tf.dispose([a, b]);
  });

  it('are symmetric, non-negative and zero on equal inputs, for any batch size (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 20, maxLength: 20 }),
        (batch, values) => {
          tf.tidy(() => {
            const a = tf.tensor(
              Array.from({ length: batch * 4 }, (_, i) => values[i % 20]!),
              [batch, 2, 2, 1],
            );
            const b = tf.reverse(a, 0);
            for (const loss of [l1Loss, l2Loss, charbonnierLoss]) {
              const ab = loss(a, b).dataSync()[0]!;
              expect(ab).toBeGreaterThanOrEqual(0);
              expect(loss(b, a).dataSync()[0]).toBeCloseTo(ab, 4);
              expect(loss(a, a).dataSync()[0]).toBeLessThanOrEqual(
                loss === charbonnierLoss ? 1e-3 + 1e-7 : 0,
              );
            }
          });
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });
});
