import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { finiteDifference, nhwc, pseudoRandom } from '../../test/reference.js';
import { totalVariationLoss } from './total-variation.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = [2, 3, 4, 2] as const;
const img = pseudoRandom(2 * 3 * 4 * 2, 3);

/** The three variants with plain loops. */
function tvReference(x: number[], variant: 'isotropic' | 'anisotropic' | 'squared'): number {
  const [B, H, W, C] = shape;
  let total = 0;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        if (variant === 'isotropic') {
          if (h === H - 1 || w === W - 1) continue;
          let s = 0;
          for (let c = 0; c < C; c++) {
            const v = x[nhwc(shape, b, h, w, c)]!;
            s += (x[nhwc(shape, b, h + 1, w, c)]! - v) ** 2 + (x[nhwc(shape, b, h, w + 1, c)]! - v) ** 2;
          }
          total += Math.sqrt(s + 1e-12);
          continue;
        }
        for (let c = 0; c < C; c++) {
          const v = x[nhwc(shape, b, h, w, c)]!;
          const f = variant === 'anisotropic' ? Math.abs : (d: number) => d * d;
          if (h < H - 1) total += f(x[nhwc(shape, b, h + 1, w, c)]! - v);
          if (w < W - 1) total += f(x[nhwc(shape, b, h, w + 1, c)]! - v);
        }
      }
    }
  }
  return total / (B * H * W);
}

describe('total variation', () => {
  it('matches the isotropic, anisotropic and squared formulas', async () => {
    const x = tf.tensor(img, [...shape]);
    const before = tf.memory().numTensors;
    for (const variant of ['isotropic', 'anisotropic', 'squared'] as const) {
      const tv = totalVariationLoss(x, { variant });
      expect((await tv.data())[0]).toBeCloseTo(tvReference(img, variant), 5);
      tv.dispose();
    }
    const dflt = totalVariationLoss(x);
    expect((await dflt.data())[0]).toBeCloseTo(tvReference(img, 'isotropic'), 5);
    dflt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('is zero on a constant image and has the gradient of its formula', () => {
    const c = tf.fill([1, 4, 4, 3], 0.7);
    expect(totalVariationLoss(c, { variant: 'anisotropic' }).dataSync()[0]).toBe(0);
    const x = tf.tensor(img, [...shape]);
    const g = tf.grad((t: tf.Tensor) => totalVariationLoss(t))(x);
    const fd = finiteDifference((xs) => tvReference(xs, 'isotropic'), img);
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(fd[i]!, 3);
    });
    tf.dispose([c, x, g]);
  });

  it('wants rank-4 images of at least 2x2', () => {
    expect(() => totalVariationLoss(tf.zeros([3, 3]))).toThrow(
      'totalVariationLoss: images must have shape [batch, height, width, channels], got [3, 3]',
    );
    expect(() => totalVariationLoss(tf.zeros([1, 1, 5, 1]))).toThrow(/at least 2x2/);
    expect(() => totalVariationLoss(tf.zeros([1, 2, 2, 1]), { variant: 'tv' as never })).toThrow(
      "totalVariationLoss: variant must be one of 'isotropic', 'anisotropic', 'squared', got 'tv'",
    );
  });
});
