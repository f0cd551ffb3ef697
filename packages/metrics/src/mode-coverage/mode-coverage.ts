import { checkNumber, GanError } from '@gankit/core';

/**
 * Options of {@link modeCoverage}.
 * @category Mode coverage
 */
export interface ModeCoverageOptions {
  /** A sample is high quality when it lies within `stdMultiple` standard deviations of its nearest mode. Default 3. */
  stdMultiple?: number;
  /**
   * A mode counts as captured when at least this many high-quality samples fall on it.
   * Default 20% of a uniform share, `max(1, 0.2 * n / modes)`: for 2,500 samples on 25 modes,
   * the 20 of PacGAN (Lin et al. 2018).
   */
  minCount?: number;
}

/**
 * What {@link modeCoverage} measured.
 * @category Mode coverage
 */
export interface ModeCoverage {
  /** Modes with at least `minCount` high-quality samples. */
  modesCaptured: number;
  /** Number of modes. */
  modes: number;
  /** Share of samples within `stdMultiple` std of their nearest mode. */
  highQualityFraction: number;
  /** High-quality samples per mode. */
  perMode: number[];
  /** The threshold that was used. */
  minCount: number;
}

/**
 * Mode coverage of generated 2-D samples against a known Gaussian mixture, the metric of
 * VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018): each sample is assigned to
 * its nearest mode; it is high quality when within 3 standard deviations of it; a mode is
 * captured when enough high-quality samples land on it.
 *
 * @param samples - interleaved x, y coordinates
 * @param centers - mode centres
 * @param std - the modes' standard deviation
 * @param options - thresholds
 * @returns captured modes, high-quality share and per-mode counts
 * @throws GanError `INVALID_ARGUMENT` for an empty or odd-length sample array or no modes
 * @example
 * ```ts
 * import { modeCoverage } from '@gankit/metrics';
 * const r = modeCoverage([0, 0, 2, 2], [[0, 0], [2, 2]], 0.1, { minCount: 1 });
 * console.log(r.modesCaptured, r.highQualityFraction); // 2 1
 * ```
 * @category Mode coverage
 */
export function modeCoverage(
  samples: ArrayLike<number>,
  centers: readonly (readonly [number, number])[],
  std: number,
  options: ModeCoverageOptions = {},
): ModeCoverage {
  const fn = 'modeCoverage';
  if (samples.length === 0 || samples.length % 2 !== 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: samples must be a non-empty list of x, y pairs, got ${samples.length} numbers`,
    );
  }
  if (centers.length === 0) throw new GanError('INVALID_ARGUMENT', `${fn}: centers must not be empty`);
  checkNumber(fn, 'std', std, { min: 0, exclusiveMin: true });
  const n = samples.length / 2;
  const radius = (options.stdMultiple ?? 3) * std;
  const minCount = options.minCount ?? Math.max(1, (0.2 * n) / centers.length);
  const perMode = new Array<number>(centers.length).fill(0);
  let highQuality = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i]!;
    const y = samples[2 * i + 1]!;
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    centers.forEach(([cx, cy], k) => {
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    if (Math.sqrt(bestD) <= radius) {
      highQuality++;
      perMode[best]!++;
    }
  }
  return {
    modesCaptured: perMode.filter((c) => c >= minCount).length,
    modes: centers.length,
    highQualityFraction: highQuality / n,
    perMode,
    minCount,
  };
}
