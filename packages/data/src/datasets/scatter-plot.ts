import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { makeDirectory } from '../checkpoint/directories.js';

/**
 * One set of points in a scatter plot.
 * @category Data
 */
export interface ScatterSeries {
  /** Interleaved x, y coordinates. */
  points: ArrayLike<number>;
  /** RGB colour, 0-255 each. */
  color: readonly [number, number, number];
  /** Dot radius in pixels. Default 2. */
  radius?: number;
}

/**
 * Options of {@link saveScatterPlot}.
 * @category Data
 */
export interface ScatterPlotOptions {
  /** Width and height in pixels. Default 512. */
  size?: number;
  /** The square data range shown, [min, max] on both axes. Default: fitted to the points with a 10% margin. */
  range?: readonly [number, number];
}

/**
 * Renders 2-D point sets (e.g. real vs generated samples) as a PNG scatter plot on white,
 * later series drawn over earlier ones, with light axes through the origin.
 * @param file - PNG path (folders are created)
 * @param series - the point sets
 * @param options - size and data range
 * @throws GanError `INVALID_ARGUMENT` for an odd coordinate count, `IO_ERROR` when writing fails
 * @example
 * ```ts
 * import { saveScatterPlot } from '@gankit/data';
 * await saveScatterPlot('/tmp/gankit-example/scatter.png', [{ points: [0, 0, 1, 1], color: [0, 0, 255] }]);
 * ```
 * @category Data
 */
export async function saveScatterPlot(
  file: string,
  series: ScatterSeries[],
  options: ScatterPlotOptions = {},
): Promise<void> {
  const size = options.size ?? 512;
  for (const s of series) {
    if (s.points.length % 2 !== 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `saveScatterPlot: points must be interleaved x, y pairs, got ${s.points.length} numbers`,
      );
    }
  }
  let [lo, hi] = options.range ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  if (!options.range) {
    for (const s of series)
      for (let i = 0; i < s.points.length; i++) {
        const v = s.points[i]!;
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    if (!(hi > lo)) [lo, hi] = [-1, 1];
    const margin = 0.1 * (hi - lo);
    lo -= margin;
    hi += margin;
  }
  const pixels = new Uint8Array(size * size * 3).fill(255);
  const toPx = (v: number) => Math.round(((v - lo) / (hi - lo)) * (size - 1));
  const origin = [toPx(0), size - 1 - toPx(0)];
  for (let i = 0; i < size; i++) {
    for (const [x, y] of [
      [origin[0]!, i],
      [i, origin[1]!],
    ] as const) {
      if (x >= 0 && x < size && y >= 0 && y < size)
        pixels.fill(225, (y * size + x) * 3, (y * size + x) * 3 + 3);
    }
  }
  for (const s of series) {
    const r = s.radius ?? 2;
    for (let i = 0; i < s.points.length; i += 2) {
      const cx = toPx(s.points[i]!);
      const cy = size - 1 - toPx(s.points[i + 1]!);
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          if (dx * dx + dy * dy > r * r || x < 0 || y < 0 || x >= size || y >= size) continue;
          pixels.set(s.color, (y * size + x) * 3);
        }
    }
  }
  try {
    const sharp = (await import('sharp')).default;
    await makeDirectory(path.dirname(file), 'saveScatterPlot');
    await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(file);
  } catch (e) {
    throw new GanError('IO_ERROR', `saveScatterPlot: could not write ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
