import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseFastPath, FAST_PATH_MIN_WORK } from './fast-path.js';
import type { FlatFeatures } from './features.js';
import { kid } from './kid.js';
import { densityCoverage, manifoldMetrics, precisionRecall } from './precision-recall.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Case {
  name: string;
  a: number[][];
  b: number[][];
  precisionRecall: { k: number; precision: number; recall: number }[];
  densityCoverage: { k: number; density: number; coverage: number }[];
  kid: { indicesA: number[][]; indicesB: number[][]; mean: number; std: number };
}
// made by fixtures/make-generative-fixtures.py
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/generative.json', import.meta.url), 'utf8'),
) as { features: Case[] };

/** n vectors of N(shift, scale^2 I) in d dimensions, flat. */
function normal(seed: number, n: number, d: number, shift = 0, scale = 1): FlatFeatures {
  const r = new SeededRandom(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = shift + scale * r.normal();
  return { data, dim: d };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof GanError ? `${e.code}: ${e.message}` : String(e)),
  );

describe('manifoldMetrics', () => {
  it.each(fixture.features.map((c) => [c.name, c] as const))(
    'gives exactly what precisionRecall and densityCoverage give: %s',
    async (_name, c) => {
      for (const [kPrecision, kDensity] of [
        [3, 5],
        [1, 2],
        [4, 4],
        [5, 1],
      ] as const) {
        const m = await manifoldMetrics(c.a, c.b, { kPrecision, kDensity });
        const pr = await precisionRecall(c.a, c.b, { k: kPrecision });
        const dc = await densityCoverage(c.a, c.b, { k: kDensity });
        expect(m).toEqual({
          precision: pr.precision,
          recall: pr.recall,
          density: dc.density,
          coverage: dc.coverage,
          kPrecision,
          kDensity,
        });
      }
      // and the references' numbers, defaults k = 3 and k = 5
      const m = await manifoldMetrics(c.a, c.b);
      const e3 = c.precisionRecall.find((e) => e.k === 3)!;
      expect([m.kPrecision, m.kDensity, m.precision, m.recall]).toEqual([3, 5, e3.precision, e3.recall]);
      const e5 = c.densityCoverage.find((e) => e.k === 5);
      if (e5) expect(Math.abs(m.density - e5.density)).toBeLessThanOrEqual(1e-6 * e5.density + 1e-12);
    },
  );

  it('rejects bad input with GanError codes', async () => {
    const a = normal(1, 5, 2);
    expect(await code(manifoldMetrics(a, normal(2, 5, 3), { kDensity: 2 }))).toMatch(
      /^SHAPE_MISMATCH: manifoldMetrics: real and fake must have the same feature dimension/,
    );
    expect(await code(manifoldMetrics(a, a))).toMatch(
      /^INVALID_ARGUMENT: manifoldMetrics: real must hold at least 6 feature vectors \(a k-th nearest neighbour other than itself for k = 5\), got 5/,
    );
    expect(await code(manifoldMetrics(a, normal(2, 3, 2), { kDensity: 2 }))).toMatch(
      /^INVALID_ARGUMENT: manifoldMetrics: fake must hold at least 4 feature vectors/,
    );
    expect(await code(manifoldMetrics(a, a, { kPrecision: 0 }))).toMatch(
      /^INVALID_ARGUMENT: manifoldMetrics: options.kPrecision must be an integer >= 1, got 0/,
    );
    expect(await code(manifoldMetrics(a, a, { kDensity: 1.5 }))).toMatch(
      /^INVALID_ARGUMENT: manifoldMetrics: options.kDensity must be an integer >= 1, got 1.5/,
    );
    expect(await code(manifoldMetrics(a, a, { kDensity: 2, exact: 'yes' as unknown as boolean }))).toMatch(
      /^INVALID_ARGUMENT: manifoldMetrics: options.exact must be a boolean, got yes/,
    );
    expect(await code(kid(a, a, { exact: 1 as unknown as boolean }))).toMatch(
      /^INVALID_ARGUMENT: kid: options.exact must be a boolean, got 1/,
    );
  });
});

describe('choosing the float32 path', () => {
  it('follows exact when given, and otherwise the work and the backend', async () => {
    expect(await chooseFastPath('f', true, 1e12)).toBe(false);
    expect(await chooseFastPath('f', false, 1)).toBe(true);
    expect(await chooseFastPath('f', undefined, FAST_PATH_MIN_WORK - 1)).toBe(false);
    // tfjs' own cpu products are slower than the float64 loops: stay exact there
    expect(tf.getBackend()).toBe('cpu');
    expect(await chooseFastPath('f', undefined, FAST_PATH_MIN_WORK)).toBe(false);
    // ... unless @gankit/backend has put native kernels on it
    const key = Symbol.for('@gankit/core/native-kernels');
    const g = globalThis as { [key]?: Map<string, unknown> };
    const before = g[key];
    g[key] = new Map([['cpu', {}]]);
    try {
      expect(await chooseFastPath('f', undefined, FAST_PATH_MIN_WORK)).toBe(true);
      expect(await chooseFastPath('f', undefined, FAST_PATH_MIN_WORK - 1)).toBe(false);
    } finally {
      if (before === undefined) delete g[key];
      else g[key] = before;
    }
    expect(await code(chooseFastPath('f', null, 1))).toMatch(
      /^INVALID_ARGUMENT: f: options.exact must be a boolean, got null/,
    );
  });
});

describe('the float32 path', () => {
  it('keeps <= for precision/recall and < for density/coverage where float32 is exact', async () => {
    // small integers: every norm, product and squared distance is exact in float32
    const r = await precisionRecall([[0], [1], [2]], [[3], [4]], { k: 1, exact: false });
    expect(r).toEqual({ precision: 0.5, recall: 1 / 3, k: 1 });
    const dc = await densityCoverage([[0], [1], [2]], [[3]], { k: 1, exact: false });
    expect(dc).toEqual({ density: 0, coverage: 0, k: 1 });
    // the TSDoc example, on both paths
    for (const exact of [false, true, undefined]) {
      const m = await manifoldMetrics([[0], [1], [2], [3], [4]], [[0.5], [1.5], [10], [11]], {
        kPrecision: 1,
        kDensity: 2,
        exact,
      });
      expect(m).toEqual({
        precision: 0.5,
        recall: 0.6,
        density: 0.625,
        coverage: 0.6,
        kPrecision: 1,
        kDensity: 2,
      });
    }
  });

  it('gives 1 for identical sets and 0 for far-apart ones', async () => {
    const a = normal(3, 300, 16);
    const m = await manifoldMetrics(a, a, { exact: false });
    expect([m.precision, m.recall, m.coverage]).toEqual([1, 1, 1]);
    // each ball holds its centre and k - 1 neighbours; the k-th lies on the radius, which
    // float32 round-off may move across it
    expect(Math.abs(m.density - 1)).toBeLessThanOrEqual(0.01);
    const far = await manifoldMetrics(a, normal(4, 200, 16, 1e3), { exact: false });
    expect(far).toEqual({ precision: 0, recall: 0, density: 0, coverage: 0, kPrecision: 3, kDensity: 5 });
  });

  it('gives the numbers of precisionRecall and densityCoverage on the same path', async () => {
    const real = normal(5, 400, 32);
    const fake = normal(6, 300, 32, 0.05, 1.1);
    const m = await manifoldMetrics(real, fake, { exact: false });
    const pr = await precisionRecall(real, fake, { exact: false });
    const dc = await densityCoverage(real, fake, { exact: false });
    expect(m).toEqual({ ...pr, ...dc, k: undefined, kPrecision: 3, kDensity: 5 });
  });

  it('agrees with the references on KID to 1e-4 relative', async () => {
    for (const c of fixture.features) {
      const indices = { a: c.kid.indicesA, b: c.kid.indicesB };
      const r = await kid(c.a, c.b, { indices, exact: false });
      expect(Math.abs(r.mean - c.kid.mean)).toBeLessThanOrEqual(1e-4 * Math.abs(c.kid.mean));
      expect(Math.abs(r.std - c.kid.std)).toBeLessThanOrEqual(1e-4 * Math.abs(c.kid.std));
    }
  });

  it('reads tensors, and disposes every tensor it makes', async () => {
    const real = tf.randomNormal([500, 24], 0, 1, 'float32', 1) as tf.Tensor2D;
    const fake = tf.randomNormal([400, 24], 0.1, 1, 'float32', 2) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const m = await manifoldMetrics(real, fake, { exact: false });
    await precisionRecall(real, fake, { exact: false });
    await densityCoverage(real, fake, { exact: false });
    const k = await kid(real, fake, { subsets: 3, subsetSize: 300, exact: false });
    expect(tf.memory().numTensors).toBe(before);
    const exactM = await manifoldMetrics(real, fake, { exact: true });
    const exactK = await kid(real, fake, { subsets: 3, subsetSize: 300, exact: true });
    tf.dispose([real, fake]);
    for (const key of ['precision', 'recall', 'density', 'coverage'] as const) {
      expect(Math.abs(m[key] - exactM[key])).toBeLessThanOrEqual(5e-3);
    }
    expect(Math.abs(k.mean - exactK.mean)).toBeLessThanOrEqual(1e-4 * Math.abs(exactK.mean));
  });
});

describe('the float32 path against the float64 path, 3000 + 3000 vectors at d = 128', () => {
  // on tfjs-wasm (XNNPACK), where the float32 path is taken by itself; tfjs' own cpu products
  // would take ~15 s here (the smaller tests above run on cpu)
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  const d = 128;
  const real = normal(11, 3000, d);
  // a near miss: slightly shifted and wider, so that every number is well inside (0, 1)
  const fake = normal(12, 3000, d, 0.02, 1.04);

  it('agrees on precision, recall, density and coverage within 2e-3', async () => {
    const before = tf.memory().numTensors;
    let t = performance.now();
    const fast = await manifoldMetrics(real, fake, { exact: false });
    const fastMs = performance.now() - t;
    expect(tf.memory().numTensors).toBe(before);
    t = performance.now();
    const exact = await manifoldMetrics(real, fake, { exact: true });
    const exactMs = performance.now() - t;
    const diffs = (['precision', 'recall', 'density', 'coverage'] as const).map((key) =>
      Math.abs(fast[key] - exact[key]),
    );
    console.log(
      `manifoldMetrics 3000 + 3000, d = 128, ${tf.getBackend()} backend: float32 ${fastMs.toFixed(0)} ms, float64 ${exactMs.toFixed(0)} ms`,
      { fast, exact, diffs },
    );
    for (const diff of diffs) expect(diff).toBeLessThanOrEqual(2e-3);
    for (const v of [exact.precision, exact.recall, exact.coverage]) {
      expect(v).toBeGreaterThan(0.05);
      expect(v).toBeLessThan(0.95);
    }
  });

  it('agrees on KID within 1e-4 relative', async () => {
    const options = { subsets: 4, subsetSize: 1000, seed: 5 };
    const before = tf.memory().numTensors;
    let t = performance.now();
    const fast = await kid(real, fake, { ...options, exact: false });
    const fastMs = performance.now() - t;
    expect(tf.memory().numTensors).toBe(before);
    t = performance.now();
    const exact = await kid(real, fake, { ...options, exact: true });
    const exactMs = performance.now() - t;
    const relative = Math.abs(fast.mean - exact.mean) / Math.abs(exact.mean);
    console.log(
      `kid 4 subsets of 1000, d = 128, ${tf.getBackend()} backend: float32 ${fastMs.toFixed(0)} ms, float64 ${exactMs.toFixed(0)} ms`,
      { fast, exact, relative },
    );
    expect(relative).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(fast.std - exact.std)).toBeLessThanOrEqual(1e-3 * exact.std);
  });
});
