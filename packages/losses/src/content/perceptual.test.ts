import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mean, nhwc, pseudoRandom } from '../../test/reference.js';
import { gramMatrix, perceptualLoss, styleLoss } from './perceptual.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = [2, 3, 3, 2] as const;
const pred = pseudoRandom(36, 11);
const targ = pseudoRandom(36, 12);

// A fixed extractor with two taps: 'double' = 2x (same shape), 'mix' = a 1x1 "conv" mixing channels into 3.
const MIX = [0.5, -1, 2, 1, 0.25, -0.5]; // [in=2, out=3]
const extractor = {
  encode: (x: tf.Tensor4D) => ({
    double: tf.mul(x, 2),
    mix: tf.reshape(tf.matMul(tf.reshape(x, [-1, 2]), tf.tensor2d(MIX, [2, 3])), [
      x.shape[0],
      x.shape[1],
      x.shape[2],
      3,
    ]),
  }),
};
function jsTaps(x: number[]): { double: number[]; mix: number[] } {
  const mix: number[] = [];
  for (let p = 0; p < x.length / 2; p++) {
    for (let o = 0; o < 3; o++) mix.push(x[2 * p]! * MIX[o]! + x[2 * p + 1]! * MIX[3 + o]!);
  }
  return { double: x.map((v) => 2 * v), mix };
}

/** Gram [b][c][c'] = sum_{hw} F F / (h w c), plain loops on a [b, h, w, c] buffer. */
function jsGram(f: number[], s: readonly number[]): number[][][] {
  const [B, H, W, C] = s as [number, number, number, number];
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: C }, (_, c1) =>
      Array.from({ length: C }, (_, c2) => {
        let acc = 0;
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) acc += f[nhwc(s, b, h, w, c1)]! * f[nhwc(s, b, h, w, c2)]!;
        return acc / (H * W * C);
      }),
    ),
  );
}

describe('perceptual loss', () => {
  it('sums per-tap weighted mean distances (L2 default, L1)', async () => {
    const [p, t] = [tf.tensor(pred, [...shape]), tf.tensor(targ, [...shape])];
    const [fp, ft] = [jsTaps(pred), jsTaps(targ)];
    const d = (a: number[], b: number[], f: (x: number) => number) => mean(a.map((x, i) => f(x - b[i]!)));
    const before = tf.memory().numTensors;
    const all = perceptualLoss(p, t, { extractor });
    const sq = (x: number) => x * x;
    expect((await all.data())[0]).toBeCloseTo(d(fp.double, ft.double, sq) + d(fp.mix, ft.mix, sq), 5);
    const weighted = perceptualLoss(p, t, { extractor, layers: { mix: 0.25 }, distance: 'l1' });
    expect((await weighted.data())[0]).toBeCloseTo(0.25 * d(fp.mix, ft.mix, Math.abs), 5);
    const single = perceptualLoss(p, t, { extractor: { encode: (x) => tf.mul(x, 2) } });
    expect((await single.data())[0]).toBeCloseTo(d(fp.double, ft.double, sq), 5);
    tf.dispose([all, weighted, single]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([p, t]);
  });

  it('lists the taps when one is missing and needs an extractor', () => {
    const x = tf.zeros([1, 2, 2, 2]);
    expect(() => perceptualLoss(x, x, { extractor, layers: { block5: 1 } })).toThrow(
      "perceptualLoss: the extractor has no tap 'block5'; its taps: double, mix",
    );
    expect(() => perceptualLoss(x, x, undefined as never)).toThrow(
      /perceptualLoss: options with an extractor are required/,
    );
    expect(() => perceptualLoss(x, x, { extractor: {} as never })).toThrow(
      /extractor must be an object with an encode/,
    );
    expect(() => perceptualLoss(x, x, { extractor: { encode: (i) => i }, layers: { a: 1 } })).toThrow(
      /the extractor returns a single feature tensor/,
    );
    expect(() => perceptualLoss(x, tf.zeros([1, 2, 2, 3]), { extractor })).toThrow(
      'perceptualLoss: prediction and target must have the same shape, got [1, 2, 2, 2] and [1, 2, 2, 3]',
    );
    x.dispose();
  });
});

describe('Gram matrix and style loss', () => {
  it('match the Gram matrices and squared Frobenius distances computed with loops', async () => {
    const p = tf.tensor(pred, [...shape]);
    const t = tf.tensor(targ, [...shape]);
    const g = gramMatrix(p);
    expect(g.shape).toEqual([2, 2, 2]);
    const ref = jsGram(pred, shape);
    Array.from(await g.data()).forEach((v, i) => {
      expect(v).toBeCloseTo(ref.flat(2)[i]!, 6);
    });
    const frob = (a: number[][][], b: number[][][]) =>
      mean(a.map((m, k) => m.flat().reduce((s, x, i) => s + (x - b[k]!.flat()[i]!) ** 2, 0)));
    const [fp, ft] = [jsTaps(pred), jsTaps(targ)];
    const mixShape = [2, 3, 3, 3];
    const expected =
      1 * frob(jsGram(fp.double, shape), jsGram(ft.double, shape)) +
      2 * frob(jsGram(fp.mix, mixShape), jsGram(ft.mix, mixShape));
    const before = tf.memory().numTensors;
    const s = styleLoss(p, t, { extractor, layers: { double: 1, mix: 2 } });
    expect((await s.data())[0]).toBeCloseTo(expected, 5);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([p, t, g]);
  });
});
