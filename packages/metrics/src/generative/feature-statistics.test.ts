import '@tensorflow/tfjs-backend-cpu';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeatureStatistics, type FeatureStatisticsJSON } from './feature-statistics.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function normalRows(seed: number, n: number, d: number, shift = 0, scale = 1): number[][] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => shift + scale * r.normal()));
}

/** Two-pass mean and unbiased covariance, the textbook way. */
function direct(rows: number[][]): { mean: number[]; cov: number[] } {
  const n = rows.length;
  const d = rows[0]!.length;
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) {
    r.forEach((v, j) => {
      mean[j]! += v / n;
    });
  }
  const cov = new Array<number>(d * d).fill(0);
  for (const r of rows) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) cov[i * d + j]! += ((r[i]! - mean[i]!) * (r[j]! - mean[j]!)) / (n - 1);
    }
  }
  return { mean, cov };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number) {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(relative * scale);
  }
}

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(GanError);
    return (e as GanError).code;
  }
  throw new Error('expected a GanError');
}

describe('FeatureStatistics', () => {
  it('streams batches of any size to the one-shot mean and covariance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 8 }),
        (seed, n, d, cuts) => {
          const rows = normalRows(seed, n, d, 3, 2);
          const streamed = new FeatureStatistics(d);
          const seen: number[][] = []; // what was added, after any float32 rounding
          let start = 0;
          for (let c = 0; start < n; c++) {
            const batch = rows.slice(start, start + cuts[c % cuts.length]!);
            // alternate the input forms: rows, float64 flat, float32 flat
            if (c % 3 === 0) streamed.add(batch);
            else if (c % 3 === 1) streamed.add(new Float64Array(batch.flat()));
            else streamed.add(Float32Array.from(batch.flat()));
            seen.push(...(c % 3 === 2 ? batch.map((r) => Array.from(Float32Array.from(r))) : batch));
            start += batch.length;
          }
          const want = direct(seen);
          expect(streamed.count).toBe(n);
          expectClose(streamed.mean(), want.mean, 1e-12);
          expectClose(streamed.covariance(), want.cov, 1e-12);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merges pieces as if they had been streamed, in any split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 80 }),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seed, n, d, at) => {
          const rows = normalRows(seed, n, d, -1, 0.5);
          const cut = Math.floor(at * n);
          const a = new FeatureStatistics(d).add(rows.slice(0, cut));
          const b = new FeatureStatistics(d).add(rows.slice(cut));
          a.merge(b);
          const whole = new FeatureStatistics(d).add(rows);
          expect(a.count).toBe(n);
          expectClose(a.mean(), whole.mean(), 1e-12);
          expectClose(a.covariance(), whole.covariance(), 1e-12);
          expect(b.count).toBe(n - cut); // the merged-in statistics are unchanged
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stays accurate far from the origin (no sum-of-squares cancellation)', () => {
    // values 1e8 + N(0, 1): the naive E[x^2] - E[x]^2 loses every digit in float64
    const rows = normalRows(5, 1000, 3, 1e8, 1);
    const centred = rows.map((r) => r.map((v) => v - 1e8));
    const s = new FeatureStatistics(3);
    for (let i = 0; i < rows.length; i += 37) s.add(rows.slice(i, i + 37));
    expectClose(s.covariance(), direct(centred).cov, 1e-7);
  });

  it('round-trips through JSON with its provenance, and keeps accumulating', () => {
    const rows = normalRows(11, 40, 5);
    const s = new FeatureStatistics(5, { provenance: { dataset: 'toy', images: 40 } }).add(rows.slice(0, 25));
    const text = JSON.stringify(s);
    const json = JSON.parse(text) as FeatureStatisticsJSON;
    expect(json.format).toBe('gankit/feature-statistics');
    expect(json.covariance).toHaveLength(15);
    const back = FeatureStatistics.fromJSON(json);
    expect(back.dim).toBe(5);
    expect(back.count).toBe(25);
    expect(back.provenance).toEqual({ dataset: 'toy', images: 40 });
    expect([...back.mean()]).toEqual([...s.mean()]);
    expectClose(back.covariance(), s.covariance(), 1e-15);
    back.add(rows.slice(25));
    expectClose(back.covariance(), new FeatureStatistics(5).add(rows).covariance(), 1e-12);
    // statistics of fewer than 2 vectors round-trip too
    const one = FeatureStatistics.fromJSON(new FeatureStatistics(2).add([[1, 2]]).toJSON());
    expect([...one.mean()]).toEqual([1, 2]);
  });

  it('reads tensors with data() and leaks none', async () => {
    const rows = normalRows(3, 30, 4);
    const t = tf.tensor2d(rows);
    const before = tf.memory().numTensors;
    const s = await new FeatureStatistics(4).addTensor(t);
    const f = await FeatureStatistics.fromFeatures(t);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    const want = direct(rows.map((r) => Array.from(Float32Array.from(r))));
    expectClose(s.covariance(), want.cov, 1e-12);
    expectClose(f.covariance(), want.cov, 1e-12);
  });

  it('holds O(d^2) memory however many vectors stream through', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const d = 64;
    const batch = 500;
    const r = new SeededRandom(9);
    const nextBatch = () => {
      const x = new Float32Array(batch * d);
      for (let i = 0; i < x.length; i++) x[i] = r.normal();
      return x;
    };
    const s = new FeatureStatistics(d);
    s.add(nextBatch()); // one batch in, so the baseline holds the state and warm code
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let b = 1; b < 100; b++) s.add(nextBatch());
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    console.log(
      `FeatureStatistics: 50,000 x 64-d features in batches of 500, heapUsed grew by ${(grown / 1024).toFixed(1)} KiB (one float32 batch is ${(batch * d * 4) / 1024} KiB)`,
    );
    expect(s.count).toBe(50_000);
    expect(grown).toBeLessThan(2 * 1024 * 1024);
    // unit-variance features: the covariance is close to the identity
    const c = s.covariance();
    expect(Math.abs(c[0]! - 1)).toBeLessThan(0.05);
    expect(Math.abs(c[1]!)).toBeLessThan(0.05);
  });

  it('rejects bad input with GanError codes', async () => {
    const s = new FeatureStatistics(3);
    expect(await codeOf(() => new FeatureStatistics(0))).toBe('INVALID_ARGUMENT');
    expect(
      await codeOf(() =>
        s.add([
          [1, 2, 3],
          [1, 2],
        ]),
      ),
    ).toBe('SHAPE_MISMATCH');
    expect(await codeOf(() => s.add(new Float32Array(4)))).toBe('SHAPE_MISMATCH');
    expect(await codeOf(() => s.add([[1, Number.NaN, 3]]))).toBe('NON_FINITE');
    expect(await codeOf(() => s.merge(new FeatureStatistics(2)))).toBe('SHAPE_MISMATCH');
    expect(await codeOf(() => s.mean())).toBe('INVALID_ARGUMENT');
    s.add([[1, 2, 3]]);
    expect(await codeOf(() => s.covariance())).toBe('INVALID_ARGUMENT');
    const t = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(await codeOf(() => s.addTensor(t))).toBe('SHAPE_MISMATCH');
    t.dispose();
    const json = new FeatureStatistics(2)
      .add([
        [1, 2],
        [3, 5],
      ])
      .toJSON();
    expect(await codeOf(() => FeatureStatistics.fromJSON({ ...json, covariance: [1, 2] }))).toBe(
      'INVALID_DATA',
    );
    expect(
      await codeOf(() =>
        FeatureStatistics.fromJSON({ ...json, format: 'x' } as unknown as FeatureStatisticsJSON),
      ),
    ).toBe('INVALID_DATA');
    expect(() => s.add([[1, 2]])).toThrow(
      /FeatureStatistics\.add: features must be rows of 3 numbers, got 2/,
    );
  });
});
