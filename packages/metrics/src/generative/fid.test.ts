import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeatureStatistics } from './feature-statistics.js';
import { fid, frechetDistance } from './fid.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface FeatureCase {
  name: string;
  a: number[][];
  b: number[][];
  fid: number;
  fidHighPrecision: number;
  fidSelf: number;
}
// made by fixtures/make-generative-fixtures.py (numpy, scipy: pytorch-fid's formula)
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/generative.json', import.meta.url), 'utf8'),
) as { features: FeatureCase[] };

function normalRows(seed: number, n: number, d: number, shift = 0, scale = 1): number[][] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => shift + scale * r.normal()));
}

const relClose = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));

describe('fid matches pytorch-fid (numpy + scipy.linalg.sqrtm)', () => {
  it.each(fixture.features.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await fid(c.a, c.b);
    relClose(r.value, c.fid, 1e-6);
    // and the 50-digit value of the same formula, closer than scipy's sqrtm gets on singular covariances
    relClose(r.value, c.fidHighPrecision, 1e-9);
    // a set against itself: ~0 (scipy's sqrtm gives fidSelf, as far off as -1.2e-6 for n < d)
    const self = await fid(c.a, c.a);
    expect(Math.abs(self.value)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(self.value - c.fidSelf)).toBeLessThanOrEqual(2e-6);
  });

  it('counts the clipped round-off eigenvalues of singular covariances', async () => {
    const full = fixture.features.find((c) => c.name === 'n200-d16')!;
    expect((await fid(full.a, full.b)).clippedEigenvalues).toBe(0);
    const few = fixture.features.find((c) => c.name.startsWith('n30-d64'))!;
    // 30 vectors in 64 dimensions: covariances of rank 29, so 35 round-off eigenvalues in each
    // of the two eigendecompositions
    expect((await fid(few.a, few.b)).clippedEigenvalues).toBe(2 * 35);
  });
});

describe('fid properties', () => {
  const sets = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    n: fc.integer({ min: 2, max: 50 }),
    m: fc.integer({ min: 2, max: 50 }),
    d: fc.integer({ min: 1, max: 12 }),
    shift: fc.double({ min: -2, max: 2, noNaN: true }),
    scale: fc.double({ min: 0.1, max: 3, noNaN: true }),
  });

  it('is 0 for a set against itself', async () => {
    await fc.assert(
      fc.asyncProperty(sets, async ({ seed, n, d, shift, scale }) => {
        const a = normalRows(seed, n, d, shift, scale);
        expect(Math.abs((await fid(a, a)).value)).toBeLessThanOrEqual(1e-6);
      }),
      { numRuns: 60 },
    );
  });

  it('is symmetric and non-negative', async () => {
    await fc.assert(
      fc.asyncProperty(sets, async ({ seed, n, m, d, shift, scale }) => {
        const a = normalRows(seed, n, d);
        const b = normalRows(seed + 1, m, d, shift, scale);
        const ab = (await fid(a, b)).value;
        const ba = (await fid(b, a)).value;
        expect(Math.abs(ab - ba)).toBeLessThanOrEqual(1e-6 + 1e-9 * Math.abs(ab));
        expect(ab).toBeGreaterThanOrEqual(-1e-6);
      }),
      { numRuns: 60 },
    );
  });

  it('is the squared mean shift plus the 1-d Gaussian formula per axis for diagonal covariances', () => {
    // 1-d: (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2
    const a = new FeatureStatistics(1).add([[0], [2]]); // mean 1, variance 2
    const b = new FeatureStatistics(1).add([[5], [5], [8], [8]]); // mean 6.5, variance 3
    const want = 5.5 ** 2 + (Math.sqrt(2) - Math.sqrt(3)) ** 2;
    relClose(frechetDistance(a, b).value, want, 1e-14);
  });

  it('takes cached statistics in place of features', async () => {
    const c = fixture.features[0]!;
    const cached = FeatureStatistics.fromJSON(
      JSON.parse(JSON.stringify(await FeatureStatistics.fromFeatures(c.a))),
    );
    relClose((await fid(cached, c.b)).value, c.fid, 1e-6);
  });
});

describe('fid inputs', () => {
  it('reads tensors without leaking any', async () => {
    const c = fixture.features[1]!;
    const a = tf.tensor2d(c.a);
    const b = tf.tensor2d(c.b);
    const before = tf.memory().numTensors;
    const r = await fid(a, b);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
    // float32 inputs: within float32 rounding of the float64 result
    relClose(r.value, c.fid, 1e-5);
  });

  it('rejects bad input with GanError codes', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof GanError ? e.code : String(e)),
      );
    expect(
      await code(
        fid(
          [[1, 2]],
          [
            [1, 2],
            [3, 4],
          ],
        ),
      ),
    ).toBe('INVALID_ARGUMENT'); // a has 1 vector
    expect(
      await code(
        fid(
          [
            [1, 2],
            [3, 4],
          ],
          [[1], [2]],
        ),
      ),
    ).toBe('SHAPE_MISMATCH');
    expect(
      await code(
        fid(
          [[1, 2], [3]],
          [
            [1, 2],
            [3, 4],
          ],
        ),
      ),
    ).toBe('SHAPE_MISMATCH');
    expect(
      await code(
        fid({ data: [1, 2, 3], dim: 2 }, [
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('SHAPE_MISMATCH');
    expect(
      await code(
        fid(
          [
            [1, Number.POSITIVE_INFINITY],
            [3, 4],
          ],
          [
            [1, 2],
            [3, 4],
          ],
        ),
      ),
    ).toBe('NON_FINITE');
    const t = tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D;
    expect(
      await code(
        fid(t, [
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('SHAPE_MISMATCH');
    t.dispose();
    expect(() => frechetDistance(new FeatureStatistics(2), new FeatureStatistics(3))).toThrow(
      /frechetDistance: a and b must have the same feature dimension, got 2 and 3/,
    );
    expect(() =>
      frechetDistance(
        new FeatureStatistics(2).add([[1, 2]]),
        new FeatureStatistics(2).add([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(/frechetDistance: a must hold at least 2 feature vectors \(for a covariance\), got 1/);
  });
});
