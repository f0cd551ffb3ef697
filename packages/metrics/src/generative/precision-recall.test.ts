import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { densityCoverage, precisionRecall } from './precision-recall.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface PrdcCase {
  name: string;
  a: number[][];
  b: number[][];
  precisionRecall: { k: number; precision: number; recall: number }[];
  densityCoverage: { k: number; density: number; coverage: number }[];
}
// made by fixtures/make-generative-fixtures.py (scipy cdist; torch-fidelity's metric_prc and the
// prdc package's density/coverage)
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/generative.json', import.meta.url), 'utf8'),
) as { features: PrdcCase[] };

function normalRows(seed: number, n: number, d: number, shift = 0): number[][] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => shift + r.normal()));
}

const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-6 * Math.abs(expected) + 1e-12);

describe('precision, recall, density and coverage match the Python references', () => {
  it.each(fixture.features.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const e of c.precisionRecall) {
      const r = await precisionRecall(c.a, c.b, { k: e.k });
      expect(r.k).toBe(e.k);
      close(r.precision, e.precision);
      close(r.recall, e.recall);
    }
    for (const e of c.densityCoverage) {
      const r = await densityCoverage(c.a, c.b, { k: e.k });
      expect(r.k).toBe(e.k);
      close(r.density, e.density);
      close(r.coverage, e.coverage);
    }
  });

  it('uses the documented defaults, k = 3 and k = 5', async () => {
    const c = fixture.features[1]!;
    const pr = await precisionRecall(c.a, c.b);
    expect(pr).toEqual({ ...c.precisionRecall.find((e) => e.k === 3)!, k: 3 });
    const dc = await densityCoverage(c.a, c.b);
    expect(dc.k).toBe(5);
    close(dc.density, c.densityCoverage.find((e) => e.k === 5)!.density);
  });
});

describe('precision, recall, density and coverage properties', () => {
  const sets = fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      n: fc.integer({ min: 2, max: 60 }),
      d: fc.integer({ min: 1, max: 10 }),
      k: fc.integer({ min: 1, max: 8 }),
    })
    .filter(({ n, k }) => k < n);

  it('give precision = recall = coverage = density = 1 for identical sets', async () => {
    await fc.assert(
      fc.asyncProperty(sets, async ({ seed, n, d, k }) => {
        const a = normalRows(seed, n, d);
        const pr = await precisionRecall(a, a, { k });
        expect([pr.precision, pr.recall]).toEqual([1, 1]);
        const dc = await densityCoverage(a, a, { k });
        expect(dc.coverage).toBe(1);
        // each ball holds its centre and k - 1 neighbours; the k-th lies on the radius, outside (<)
        close(dc.density, 1);
      }),
      { numRuns: 60 },
    );
  });

  it('fall to 0 for far-apart sets, and stay in range', async () => {
    await fc.assert(
      fc.asyncProperty(sets, async ({ seed, n, d, k }) => {
        const a = normalRows(seed, n, d);
        const far = normalRows(seed + 1, n, d, 1e3);
        expect(await precisionRecall(a, far, { k })).toEqual({ precision: 0, recall: 0, k });
        expect(await densityCoverage(a, far, { k })).toEqual({ density: 0, coverage: 0, k });
        const near = normalRows(seed + 1, n, d, 0.5);
        const pr = await precisionRecall(a, near, { k });
        const dc = await densityCoverage(a, near, { k });
        for (const v of [pr.precision, pr.recall, dc.coverage]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        expect(dc.density).toBeGreaterThanOrEqual(0);
        expect(dc.density).toBeLessThanOrEqual(n / k);
      }),
      { numRuns: 40 },
    );
  });

  it('count a point exactly on the radius as inside for precision and recall (<=)', async () => {
    // real 0, 1, 2 on a line, k = 1: every radius is exactly 1; the fake point 3 is at distance 1 from 2
    const r = await precisionRecall([[0], [1], [2]], [[3], [4]], { k: 1 });
    expect(r.precision).toBe(0.5); // 3 is on the ball of 2, 4 is not
    expect(r.recall).toBe(1 / 3); // fake radii are 1: real 2 lies on the ball of 3
    // density and coverage follow prdc: on the radius is outside (<)
    const dc = await densityCoverage([[0], [1], [2]], [[3]], { k: 1 });
    expect(dc).toEqual({ density: 0, coverage: 0, k: 1 });
  });

  it('treat duplicate real points as neighbours at distance 0', async () => {
    // radius of each duplicate is 0 with k = 1: only an exact copy is inside
    const r = await precisionRecall([[1], [1], [5], [5]], [[1], [1.5]], { k: 1 });
    expect(r.precision).toBe(0.5);
  });
});

describe('precision, recall, density and coverage inputs', () => {
  it('read tensors without leaking any', async () => {
    const c = fixture.features[0]!;
    const a = tf.tensor2d(c.a);
    const b = tf.tensor2d(c.b);
    const before = tf.memory().numTensors;
    const pr = await precisionRecall(a, b);
    const dc = await densityCoverage(a, b, { k: 2 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
    // float32 inputs can move a boundary case, but not with these data
    expect(pr).toEqual({ ...c.precisionRecall.find((e) => e.k === 3)!, k: 3 });
    close(dc.density, c.densityCoverage[0]!.density);
  });

  it('reject bad input with GanError codes', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof GanError ? `${e.code}: ${e.message}` : String(e)),
      );
    const a = normalRows(1, 4, 2);
    expect(await code(precisionRecall(a, normalRows(2, 4, 3)))).toMatch(
      /^SHAPE_MISMATCH: precisionRecall: real and fake must have the same feature dimension, got \[4, 2\] and \[4, 3\]/,
    );
    expect(await code(precisionRecall(a, a, { k: 4 }))).toMatch(
      /^INVALID_ARGUMENT: precisionRecall: real must hold at least 5 feature vectors \(a k-th nearest neighbour other than itself for k = 4\), got 4/,
    );
    expect(await code(precisionRecall(a, normalRows(2, 3, 2)))).toMatch(
      /^INVALID_ARGUMENT: precisionRecall: fake must hold at least 4/,
    );
    expect(await code(precisionRecall(a, a, { k: 0 }))).toMatch(
      /^INVALID_ARGUMENT: precisionRecall: options.k must be an integer >= 1, got 0/,
    );
    expect(await code(densityCoverage(a, [], { k: 2 }))).toMatch(/^INVALID_ARGUMENT: densityCoverage: fake/);
    expect(await code(densityCoverage(a, a))).toMatch(
      /^INVALID_ARGUMENT: densityCoverage: real must hold at least 6/,
    );
    expect(await code(densityCoverage({ data: [1, 2, 3], dim: 0 }, a))).toMatch(
      /^INVALID_ARGUMENT: densityCoverage: real.dim must be an integer >= 1, got 0/,
    );
    expect(await code(densityCoverage(a, [[1, Number.NaN]], { k: 1 }))).toMatch(
      /^NON_FINITE: densityCoverage: fake must be finite, got NaN in vector 0 at index 1/,
    );
  });
});
