import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianDownsample, gaussianUpsample, laplacianPyramid, reconstructPyramid } from './pyramid.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

/** A 4x4 image whose every row is `row` (so the vertical pass leaves it alone). */
const rows = (row: number[]) => tf.tensor4d([...row, ...row, ...row, ...row], [1, 4, 4, 1]);

describe('Gaussian pyramid operators', () => {
  // Worked by hand with the kernel [1, 4, 6, 4, 1] / 16 and mirrored edges (see docs/lapgan.md):
  // row [0, 1, 2, 3] mirrors to [2, 1 | 0, 1, 2, 3 | 2, 1];
  //   d at 0: (2 + 4 + 0 + 4 + 2) / 16 = 0.75, at 2: (0 + 4 + 12 + 12 + 2) / 16 = 1.875;
  // u of [u0, u1] = [0.75, 1.875] spreads to [u0, 0, u1, 0], mirrors to [u1, 0 | u0, 0, u1, 0 | u1, 0]
  // and blurs with 2 * kernel per axis: [(6 u0 + 2 u1) / 8, (u0 + u1) / 2, (u0 + 7 u1) / 8, u1].
  it('downsamples and upsamples a ramp to the hand-worked values', async () => {
    const x = rows([0, 1, 2, 3]);
    const down = gaussianDownsample(x);
    expect(down.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(await down.data())).toEqual([0.75, 1.875, 0.75, 1.875]);
    const up = gaussianUpsample(down);
    expect(up.shape).toEqual([1, 4, 4, 1]);
    const expected = [1.03125, 1.3125, 1.734375, 1.875];
    const got = await up.data();
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) expect(got[r * 4 + c]).toBeCloseTo(expected[c]!, 6);
    }
    tf.dispose([x, down, up]);
  });

  it('builds the pyramid [x - u(d(x)), d(x)] of the ramp and rebuilds it exactly', async () => {
    const before = tf.memory().numTensors;
    const x = rows([0, 1, 2, 3]);
    const [band, low] = laplacianPyramid(x, 2) as [tf.Tensor4D, tf.Tensor4D];
    const residual = [-1.03125, -0.3125, 0.265625, 1.125];
    const b = await band.data();
    for (let c = 0; c < 4; c++) expect(b[c]).toBeCloseTo(residual[c]!, 6);
    expect(Array.from(await low.data())).toEqual([0.75, 1.875, 0.75, 1.875]);
    const back = reconstructPyramid([band, low]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))));
    expect((await diff.data())[0]).toBeLessThan(1e-6);
    tf.dispose([x, band, low, back, diff]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps constants constant at every level, edges included', async () => {
    const x = tf.fill([2, 8, 8, 3], 0.3) as tf.Tensor4D;
    const pyramid = laplacianPyramid(x, 3);
    expect(pyramid.map((p) => p.shape)).toEqual([
      [2, 8, 8, 3],
      [2, 4, 4, 3],
      [2, 2, 2, 3],
    ]);
    for (const v of await pyramid[0]!.data()) expect(Math.abs(v)).toBeLessThan(1e-6);
    for (const v of await pyramid[2]!.data()) expect(v).toBeCloseTo(0.3, 6);
    tf.dispose([x, ...pyramid]);
  });

  it('round-trips random images of any channels and sizes that halve cleanly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), // levels
        fc.integer({ min: 1, max: 3 }), // coarsest height / 2
        fc.integer({ min: 1, max: 3 }), // coarsest width / 2
        fc.integer({ min: 1, max: 4 }), // channels
        fc.integer({ min: 1, max: 3 }), // batch
        fc.integer({ min: 0, max: 1000 }), // seed
        (levels, hh, ww, c, b, seed) => {
          const f = 2 ** (levels - 1);
          const x = tf.randomUniform(
            [b, 2 * hh * f, 2 * ww * f, c],
            -1,
            1,
            'float32',
            seed + 1,
          ) as tf.Tensor4D;
          const before = tf.memory().numTensors;
          const pyramid = laplacianPyramid(x, levels);
          expect(pyramid).toHaveLength(levels);
          const back = reconstructPyramid(pyramid);
          const err = tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))).dataSync()[0]!);
          tf.dispose([back, ...pyramid]);
          expect(tf.memory().numTensors).toBe(before);
          x.dispose();
          return err < 1e-5;
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });

  it('refuses sizes that do not halve cleanly, and shapes that do not chain, with GanErrors', () => {
    const odd = tf.zeros([1, 6, 6, 1]) as tf.Tensor4D;
    expect(() => laplacianPyramid(odd, 3)).toThrow(GanError);
    expect(() => laplacianPyramid(odd, 3)).toThrow(
      'laplacianPyramid: height and width must be divisible by 2^(levels-1) = 4',
    );
    expect(() => laplacianPyramid(odd, 0)).toThrow('laplacianPyramid: levels');
    const flat = tf.zeros([4, 4]);
    expect(() => gaussianDownsample(flat as unknown as tf.Tensor4D)).toThrow(
      'gaussianDownsample: x must be [batch, height, width, channels], got [4, 4]',
    );
    const a = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const b = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    expect(() => reconstructPyramid([a, b])).toThrow(
      'reconstructPyramid: level 0 must be twice the size of level 1',
    );
    expect(() => reconstructPyramid([])).toThrow('reconstructPyramid: the pyramid has no levels');
    tf.dispose([odd, flat, a, b]);
  });

  it('gives one level back as a copy', async () => {
    const x = tf.randomUniform([1, 4, 4, 2], -1, 1, 'float32', 3) as tf.Tensor4D;
    const [only] = laplacianPyramid(x, 1);
    expect(only).not.toBe(x);
    expect(Array.from(await only!.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, only!]);
  });
});
