// Turning per-step logs into chart series: pulling one key out, smoothing, downsampling.

import type { StepLog } from '../run-record.js';

/** One point of a series: `[step, value]`. */
export type Point = readonly [number, number];

/** The `[step, value]` points of one key of a log, in step order (rows without it are left out). */
export function seriesOf(log: StepLog, key: string): Point[] {
  const points: Point[] = [];
  for (const row of log.rows) {
    const v = row.values[key];
    if (v !== undefined) points.push([row.step, v]);
  }
  return points;
}

/**
 * At most `maxPoints` points: the first and last point as they are, the ones between them cut
 * into `maxPoints - 2` runs of consecutive points, each replaced by its mean step and mean value.
 * Series that already fit are returned as they are.
 */
export function downsample(points: readonly Point[], maxPoints: number): Point[] {
  const n = points.length;
  if (n <= maxPoints || n <= 2) return [...points];
  const buckets = Math.max(1, maxPoints - 2);
  const inner = n - 2;
  const out: Point[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let sx = 0;
    let sy = 0;
    for (let i = start; i < end; i++) {
      sx += points[i]![0];
      sy += points[i]![1];
    }
    out.push([sx / (end - start), sy / (end - start)]);
  }
  out.push(points[n - 1]!);
  return out;
}

/**
 * An exponential moving average with weight `weight` on the past, debiased as TensorBoard
 * does (early points are not pulled towards zero). `weight` 0 returns the series unchanged.
 */
export function smooth(points: readonly Point[], weight: number): Point[] {
  let last = 0;
  let debias = 1;
  return points.map(([x, y]) => {
    last = last * weight + (1 - weight) * y;
    debias *= weight;
    return [x, weight === 0 ? y : last / (1 - debias)] as const;
  });
}

/**
 * The default smoothing weight for a series of `n` points: an EMA whose span is about 1% of
 * the run (0 for runs under 300 steps, where the raw curve is readable as it is).
 */
export function defaultSmoothing(n: number): number {
  const span = Math.round(n / 100);
  return span < 3 ? 0 : 1 - 2 / (span + 1);
}
