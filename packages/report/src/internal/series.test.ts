import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStepLog } from '../run-record.js';
import { defaultSmoothing, downsample, type Point, seriesOf, smooth } from './series.js';

describe('downsample', () => {
  it('keeps a series that fits as it is', () => {
    const points: Point[] = [
      [1, 5],
      [2, 6],
      [3, 7],
    ];
    expect(downsample(points, 500)).toEqual(points);
  });

  it('keeps the first and last point and averages the ones between in buckets', () => {
    // 6 points into 4: first, mean of points 2-3, mean of points 4-5, last (worked by hand)
    const points: Point[] = [
      [1, 10],
      [2, 20],
      [3, 40],
      [4, 0],
      [5, 2],
      [6, 99],
    ];
    expect(downsample(points, 4)).toEqual([
      [1, 10],
      [2.5, 30],
      [4.5, 1],
      [6, 99],
    ]);
  });

  it('draws a 15,000-step log with at most 500 points, from the first step to the last', () => {
    const points: Point[] = Array.from({ length: 15_000 }, (_, i) => [i + 1, Math.sin(i)]);
    const out = downsample(points, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.length).toBeGreaterThan(450);
    expect(out[0]).toEqual([1, Math.sin(0)]);
    expect(out[out.length - 1]).toEqual([15_000, Math.sin(14_999)]);
  });

  it('keeps steps in order and values within the range of the input (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }),
        fc.integer({ min: 3, max: 600 }),
        (values, maxPoints) => {
          const points: Point[] = values.map((v, i) => [i * 3, v]);
          const out = downsample(points, maxPoints);
          expect(out.length).toBeLessThanOrEqual(Math.max(maxPoints, 2));
          expect(out[0]).toEqual(points[0]);
          expect(out[out.length - 1]).toEqual(points[points.length - 1]);
          const lo = Math.min(...values);
          const hi = Math.max(...values);
          for (let i = 0; i < out.length; i++) {
            const [x, y] = out[i]!;
            expect(y).toBeGreaterThanOrEqual(lo - 1e-6 * Math.abs(lo));
            expect(y).toBeLessThanOrEqual(hi + 1e-6 * Math.abs(hi));
            if (i > 0) expect(x).toBeGreaterThan(out[i - 1]![0]);
          }
        },
      ),
    );
  });
});

describe('smooth', () => {
  it('is the debiased exponential moving average', () => {
    // weight 0.5 over [1, 3]: 0.5/0.5 = 1, then (0.25 + 1.5) / 0.75 = 7/3 (by hand)
    const out = smooth(
      [
        [1, 1],
        [2, 3],
      ],
      0.5,
    );
    expect(out[0]).toEqual([1, 1]);
    expect(out[1]![1]).toBeCloseTo(7 / 3, 12);
  });

  it('leaves a constant series constant and weight 0 changes nothing', () => {
    const flat: Point[] = Array.from({ length: 50 }, (_, i) => [i, 2.5]);
    for (const [, y] of smooth(flat, 0.98)) expect(y).toBeCloseTo(2.5, 12);
    const noisy: Point[] = [
      [1, 3],
      [2, -1],
    ];
    expect(smooth(noisy, 0)).toEqual(noisy);
  });

  it('smooths long runs only', () => {
    expect(defaultSmoothing(100)).toBe(0);
    expect(defaultSmoothing(4000)).toBeCloseTo(1 - 2 / 41, 12);
  });
});

describe('seriesOf', () => {
  it('takes the steps that logged the key', () => {
    const log = parseStepLog('{"step":1,"a":1}\n{"step":2,"b":5}\n{"step":3,"a":4}\n');
    expect(seriesOf(log, 'a')).toEqual([
      [1, 1],
      [3, 4],
    ]);
  });
});
