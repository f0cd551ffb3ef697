import { SeededRandom } from '@gankit/core';
import { gaussianMixture } from '@gankit/data';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modeCoverage } from './mode-coverage.js';

describe('modeCoverage', () => {
  it('counts hand-placed samples', () => {
    const centers: [number, number][] = [
      [0, 0],
      [2, 0],
      [0, 2],
    ];
    // two on mode 0, one on mode 1 at 2.9 std, one 3.1 std away from mode 2, one far away
    const samples = [0, 0, 0.1, 0, 2.29, 0, 0, 2.31, 5, 5];
    const r = modeCoverage(samples, centers, 0.1, { minCount: 1 });
    expect(r.perMode).toEqual([2, 1, 0]);
    expect(r.modesCaptured).toBe(2);
    expect(r.highQualityFraction).toBeCloseTo(3 / 5, 10);
  });

  it('sees the true distribution as fully covered and a collapsed one as one mode', () => {
    const ring = gaussianMixture({ kind: 'ring' });
    const real = modeCoverage(ring.sample(2000, new SeededRandom(1)), ring.centers, ring.std);
    expect(real.modesCaptured).toBe(8);
    expect(real.highQualityFraction).toBeGreaterThan(0.98);
    const collapsed = new Float32Array(2000).map((_, i) => (i % 2 === 0 ? 2 : 0));
    expect(modeCoverage(collapsed, ring.centers, ring.std).modesCaptured).toBe(1);
  });

  it('never reports more than the number of modes or a share outside [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 200 }),
        (xs) => {
          const pts = xs.length % 2 ? xs.slice(1) : xs;
          if (pts.length === 0) return;
          const r = modeCoverage(
            pts,
            [
              [0, 0],
              [1, 1],
            ],
            0.5,
          );
          expect(r.modesCaptured).toBeLessThanOrEqual(2);
          expect(r.highQualityFraction).toBeGreaterThanOrEqual(0);
          expect(r.highQualityFraction).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('rejects odd-length samples', () => {
    expect(() => modeCoverage([1, 2, 3], [[0, 0]], 1)).toThrow(
      'modeCoverage: samples must be a non-empty list of x, y pairs, got 3 numbers',
    );
  });
});
