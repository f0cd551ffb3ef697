import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { GanError, SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { kid } from './kid.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface KidCase {
  name: string;
  a: number[][];
  b: number[][];
  kid: {
    subsets: number;
    subsetSize: number;
    indicesA: number[][];
    indicesB: number[][];
    perSubset: number[];
    mean: number;
    std: number;
  };
}
// made by fixtures/make-generative-fixtures.py (torch-fidelity's polynomial_mmd / mmd2 in numpy)
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/generative.json', import.meta.url), 'utf8'),
) as { features: KidCase[] };

function normalRows(seed: number, n: number, d: number, shift = 0): number[][] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => shift + r.normal()));
}

const relClose = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));

describe('kid matches torch-fidelity on the same subsets', () => {
  it.each(fixture.features.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { indicesA, indicesB } = c.kid;
    const r = await kid(c.a, c.b, { indices: { a: indicesA, b: indicesB } });
    expect(r.subsets).toBe(c.kid.subsets);
    expect(r.subsetSize).toBe(c.kid.subsetSize);
    expect(r.capped).toBe(false);
    relClose(r.mean, c.kid.mean, 1e-6);
    relClose(r.std, c.kid.std, 1e-6);
    // each subset's MMD^2 on its own
    for (let s = 0; s < indicesA.length; s++) {
      const one = await kid(c.a, c.b, { indices: { a: [indicesA[s]!], b: [indicesB[s]!] } });
      relClose(one.mean, c.kid.perSubset[s]!, 1e-6);
      expect(one.std).toBe(0);
    }
  });
});

describe('kid properties', () => {
  it('is unbiased: over independent sample pairs of one distribution it averages to 0', async () => {
    // each trial draws two fresh 12-vector samples of N(0, I) and takes the full-sample MMD^2
    const trials = 400;
    const values: number[] = [];
    for (let t = 0; t < trials; t++) {
      const r = await kid(normalRows(2 * t, 12, 3), normalRows(2 * t + 1, 12, 3), {
        subsets: 1,
        subsetSize: 12,
      });
      values.push(r.mean);
    }
    const mean = values.reduce((s, v) => s + v, 0) / trials;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (trials - 1));
    const standardError = sd / Math.sqrt(trials);
    expect(Math.abs(mean)).toBeLessThan(4 * standardError);
    // the biased (V-statistic) estimate keeps the diagonals, which adds about
    // 2 (E[k(x, x)] - E[k(x, x')]) / m = 2 (12.9 - 2) / 12 ~ 1.8 here (for d = 3,
    // E[(|x|^2/3 + 1)^3] = 105/27 + 3 * 5/3 + 3 + 1 and E[(x.x'/3 + 1)^3] = 1 + 3 * 3/9):
    // dozens of standard errors, so this test would catch it
    expect(standardError).toBeLessThan(0.1);
  });

  it('averages near 0 relative to its spread for two samples of one distribution, and not otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (seed, d) => {
          const a = normalRows(seed, 80, d);
          const same = await kid(a, normalRows(seed + 1, 80, d), { subsets: 40, subsetSize: 30, seed });
          expect(Math.abs(same.mean)).toBeLessThan(3 * same.std);
          const shifted = await kid(a, normalRows(seed + 1, 80, d, 2), { subsets: 40, subsetSize: 30, seed });
          expect(shifted.mean).toBeGreaterThan(same.mean + 3 * same.std);
        },
      ),
      // statistical: a fixed seed keeps it from flaking
      { numRuns: 25, seed: 42 },
    );
  });

  it('is reproducible from its seed, and caps the subset size at the smaller set', async () => {
    const a = normalRows(1, 50, 4);
    const b = normalRows(2, 40, 4, 0.5);
    const r1 = await kid(a, b, { subsets: 7, subsetSize: 20, seed: 3 });
    const r2 = await kid(a, b, { subsets: 7, subsetSize: 20, seed: 3 });
    const r3 = await kid(a, b, { subsets: 7, subsetSize: 20, seed: 4 });
    expect(r2).toEqual(r1);
    expect(r3.mean).not.toBe(r1.mean);
    const capped = await kid(a, b, { subsets: 2 });
    expect(capped).toMatchObject({ subsets: 2, subsetSize: 40, capped: true });
  });
});

describe('kid inputs', () => {
  it('reads tensors without leaking any', async () => {
    const c = fixture.features[0]!;
    const a = tf.tensor2d(c.a);
    const b = tf.tensor2d(c.b);
    const before = tf.memory().numTensors;
    const r = await kid(a, b, { indices: { a: c.kid.indicesA, b: c.kid.indicesB } });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
    relClose(r.mean, c.kid.mean, 1e-5); // float32 inputs
  });

  it('rejects bad input with GanError codes', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof GanError ? `${e.code}: ${e.message}` : String(e)),
      );
    const a = normalRows(1, 10, 3);
    expect(await code(kid(a, normalRows(2, 10, 4)))).toMatch(
      /^SHAPE_MISMATCH: kid: a and b must have the same/,
    );
    expect(await code(kid(a, [[1, 2, 3]]))).toMatch(/^INVALID_ARGUMENT: kid: b must hold at least 2/);
    expect(await code(kid(a, a, { subsetSize: 1 }))).toMatch(
      /^INVALID_ARGUMENT: kid: options.subsetSize must be an integer >= 2, got 1/,
    );
    expect(await code(kid(a, a, { subsets: 0 }))).toMatch(/^INVALID_ARGUMENT: kid: options.subsets/);
    expect(await code(kid(a, a, { seed: 1.5 }))).toMatch(/^INVALID_ARGUMENT: kid: options.seed/);
    expect(await code(kid(a, a, { indices: { a: [[0, 1]], b: [[0, 10]] } }))).toMatch(
      /^INVALID_ARGUMENT: kid: options.indices.b\[0\] must hold distinct integers in \[0, 9\], got 10/,
    );
    expect(await code(kid(a, a, { indices: { a: [[0, 0]], b: [[0, 1]] } }))).toMatch(/got 0 twice/);
    expect(
      await code(
        kid(a, a, {
          indices: {
            a: [[0, 1], [2]],
            b: [
              [0, 1],
              [2, 3],
            ],
          },
        }),
      ),
    ).toMatch(/^INVALID_ARGUMENT: kid: options.indices.a\[1\] must hold 2 indices/);
    expect(await code(kid(a, a, { indices: { a: [[0, 1]], b: [] } }))).toMatch(/^INVALID_ARGUMENT/);
  });
});
