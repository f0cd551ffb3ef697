import type { SeededRandom } from '@gankit/core';
import { checkInteger, checkNumber, GanError } from '@gankit/core';

/**
 * Options of {@link gaussianMixture}.
 * @category Data
 */
export interface GaussianMixtureOptions {
  /** `ring`: modes evenly on a circle; `grid`: modes on a square grid. */
  kind: 'ring' | 'grid';
  /** Number of modes: any n for a ring (default 8), a square number for a grid (default 25). */
  modes?: number;
  /** Ring radius (default 2) or grid spacing (default 2, centred at 0). */
  scale?: number;
  /** Standard deviation of every mode. Default 0.02 for a ring, 0.05 for a grid (the VEEGAN/PacGAN settings). */
  std?: number;
}

/**
 * A 2-D mixture of equally weighted isotropic Gaussians: the standard mode-collapse test bed.
 * @category Data
 */
export interface GaussianMixture {
  /** The mode centres, [x, y] each. */
  readonly centers: readonly (readonly [number, number])[];
  /** The standard deviation of every mode. */
  readonly std: number;
  /** A readable description, e.g. `ring of 8 (radius 2, std 0.02)`. */
  readonly description: string;
  /**
   * Draws samples.
   * @param count - how many points
   * @param rng - the random stream to draw from
   * @returns interleaved x, y coordinates (length `2 * count`)
   */
  sample(count: number, rng: SeededRandom): Float32Array;
}

/**
 * The 8-Gaussians ring or the 25-Gaussians grid of the mode-collapse literature
 * (Metz et al. 2017; Srivastava et al. 2017; Lin et al. 2018).
 * @param options - layout, number of modes, scale, standard deviation
 * @returns the mixture
 * @throws GanError `INVALID_ARGUMENT` for a grid whose mode count is not square, or bad numbers
 * @example
 * ```ts
 * import { SeededRandom } from '@gankit/core';
 * import { gaussianMixture } from '@gankit/data';
 * const ring = gaussianMixture({ kind: 'ring' });
 * const points = ring.sample(512, new SeededRandom(0)); // [x0, y0, x1, y1, ...]
 * ```
 * @category Data
 */
export function gaussianMixture(options: GaussianMixtureOptions): GaussianMixture {
  const fn = 'gaussianMixture';
  const ring = options.kind === 'ring';
  if (!ring && options.kind !== 'grid') {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: kind must be 'ring' or 'grid', got '${String(options.kind)}'`,
    );
  }
  const modes = checkInteger(fn, 'modes', options.modes ?? (ring ? 8 : 25));
  const scale = checkNumber(fn, 'scale', options.scale ?? 2, { min: 0, exclusiveMin: true });
  const std = checkNumber(fn, 'std', options.std ?? (ring ? 0.02 : 0.05), { min: 0, exclusiveMin: true });
  const centers: [number, number][] = [];
  if (ring) {
    for (let i = 0; i < modes; i++) {
      const a = (2 * Math.PI * i) / modes;
      centers.push([scale * Math.cos(a), scale * Math.sin(a)]);
    }
  } else {
    const side = Math.round(Math.sqrt(modes));
    if (side * side !== modes)
      throw new GanError('INVALID_ARGUMENT', `${fn}: a grid needs a square number of modes, got ${modes}`);
    const offset = ((side - 1) * scale) / 2;
    for (let i = 0; i < side; i++)
      for (let j = 0; j < side; j++) centers.push([i * scale - offset, j * scale - offset]);
  }
  return {
    centers,
    std,
    description: ring
      ? `ring of ${modes} (radius ${scale}, std ${std})`
      : `grid of ${modes} (spacing ${scale}, std ${std})`,
    sample(count: number, rng: SeededRandom): Float32Array {
      checkInteger(`${fn}.sample`, 'count', count);
      const out = new Float32Array(2 * count);
      for (let i = 0; i < count; i++) {
        const [cx, cy] = centers[rng.int(centers.length)]!;
        out[2 * i] = cx + std * rng.normal();
        out[2 * i + 1] = cy + std * rng.normal();
      }
      return out;
    },
  };
}
