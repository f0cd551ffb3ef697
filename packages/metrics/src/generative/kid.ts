import { checkInteger, GanError, SeededRandom } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import {
  chooseFastPath,
  type Float32Features,
  forEachProductBlock,
  toFloat32,
  transposedTensor,
} from './fast-path.js';
import {
  checkCount,
  checkSameDim,
  dot,
  type FeatureInput,
  type Float64Features,
  readFeatures,
} from './features.js';

/**
 * Options of {@link kid}.
 * @category Generative metrics
 */
export interface KernelInceptionDistanceOptions {
  /** Number of random subsets the MMD^2 is averaged over. Default 100, as torch-fidelity. */
  subsets?: number;
  /**
   * Vectors per subset, drawn from each set without replacement. Default 1000, as torch-fidelity,
   * capped at `min(n_a, n_b)` (torch-fidelity refuses instead; the result's `capped` says when it
   * happened). At least 2.
   */
  subsetSize?: number;
  /** Seed of the subset draws (gankit's `SeededRandom`, so not numpy's draws). Default 2020. */
  seed?: number;
  /**
   * Explicit subsets instead of random ones: `a[s]` and `b[s]` are the row indices of subset s in
   * each set, all subsets of one size m >= 2, no index twice in a subset. Overrides `subsets`,
   * `subsetSize` and `seed`; for reproducing another implementation's draws.
   */
  indices?: { a: readonly (readonly number[])[]; b: readonly (readonly number[])[] };
  /**
   * true: always the float64 loops; false: always float32 products on the active tfjs backend.
   * Unset (default): the float32 path when `subsetSize^2 * d >= 2^25` on a backend with fast
   * products (see `FAST_PATH_MIN_WORK`), the float64 one otherwise.
   */
  exact?: boolean;
}

/**
 * What {@link kid} computed.
 * @category Generative metrics
 */
export interface KernelInceptionDistance {
  /** Mean of the unbiased MMD^2 estimates over the subsets: the KID. */
  mean: number;
  /** Their standard deviation, ddof 0 (np.std, as torch-fidelity). */
  std: number;
  /** Number of subsets used. */
  subsets: number;
  /** Vectors per subset actually used. */
  subsetSize: number;
  /** Whether the requested subset size was larger than the smaller set and was cut to its size. */
  capped: boolean;
}

/**
 * Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs"): the squared maximum
 * mean discrepancy between two feature sets under the polynomial kernel
 * k(x, y) = (x.y / d + 1)^3, estimated without bias and averaged over random subsets, exactly as
 * torch-fidelity's `kid_features_to_metric` (`mmd_est 'unbiased'`). For subsets X, Y of m vectors:
 *
 *   `MMD^2 = sum_{i != j} (k(x_i, x_j) + k(y_i, y_j)) / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / m^2`
 *
 * (the diagonals of `K_XX` and `K_YY` are dropped; `K_XY` is kept whole). Unlike FID it is unbiased, so
 * it can be negative for two samples of one distribution; `std` is the spread over subsets with
 * ddof 0, as torch-fidelity reports it.
 *
 * O(subsets m^2 d) multiply-adds. In float64 JavaScript on one core (measured: 6.5 s per subset
 * of 1000 at d = 2048, so about 11 minutes with the defaults; 100 subsets of 1000 at d = 128 take
 * about 35 s). When m^2 d >= 2^25 (`FAST_PATH_MIN_WORK`) on a backend with fast products
 * (anything but tfjs' pure-JavaScript `cpu`, or `cpu` with gankit's native kernels), the products
 * x.y run as float32 matrix products on the active backend (blocks of at most 1024 rows), the
 * kernel and its sums staying in float64 JavaScript: 50 subsets of 1000 at d = 128 took 2.4 s on
 * wasm with gankit's native kernels and 2.6 s on wasm's XNNPACK, against 24 s in float64 (and
 * 57 s with the float32 path forced on tfjs' cpu), on a 2-core machine busy with other jobs, and
 * agreed with float64 to 5e-8 relative. `exact: true` forces float64, `exact: false` float32.
 * Tensors are read with `await data()` and not disposed; every tensor made here is.
 *
 * @param a - `[n_a, d]` features (e.g. of real images)
 * @param b - `[n_b, d]` features
 * @param options - subsets, subset size, seed, or explicit subset indices; `exact`
 * @returns mean and std of MMD^2 over subsets, with the subset count and size used
 * @throws GanError `SHAPE_MISMATCH` when the dimensions differ or rows are ragged, `INVALID_ARGUMENT` for fewer than 2 vectors, bad options (`exact` not a boolean) or bad indices, `NON_FINITE` for NaN or infinity
 * @example
 * ```ts
 * import { kid } from '@gankit/metrics';
 * import * as tf from '@tensorflow/tfjs-core';
 * const real = tf.randomNormal([200, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
 * const fake = tf.randomNormal([200, 8], 1, 1, 'float32', 2) as tf.Tensor2D;
 * const r = await kid(real, fake, { subsets: 10, subsetSize: 100, seed: 7 });
 * console.log(r.mean > 0.1, r.subsetSize); // true 100
 * tf.dispose([real, fake]);
 * ```
 * @category Generative metrics
 */
export async function kid(
  a: FeatureInput,
  b: FeatureInput,
  options: KernelInceptionDistanceOptions = {},
): Promise<KernelInceptionDistance> {
  const fn = 'kid';
  const fa = await readFeatures(fn, 'a', a);
  const fb = await readFeatures(fn, 'b', b);
  checkCount(fn, 'a', fa, 2, 'an unbiased MMD needs 2 per subset');
  checkCount(fn, 'b', fb, 2, 'an unbiased MMD needs 2 per subset');
  checkSameDim(fn, fa, fb, ['a', 'b']);

  const draws = options.indices ? explicitSubsets(fn, options.indices, fa.n, fb.n) : undefined;
  const subsets = draws ? draws.a.length : checkInteger(fn, 'options.subsets', options.subsets ?? 100);
  const requested = draws
    ? draws.a[0]!.length
    : checkInteger(fn, 'options.subsetSize', options.subsetSize ?? 1000, 2);
  const m = Math.min(requested, fa.n, fb.n);
  const random = draws
    ? undefined
    : new SeededRandom(checkInteger(fn, 'options.seed', options.seed ?? 2020, 0));
  const fast = await chooseFastPath(fn, options.exact, m * m * fa.dim);
  const permA = identity(fa.n);
  const permB = identity(fb.n);

  const x = new Float64Array(m * fa.dim);
  const y = new Float64Array(m * fa.dim);
  const values = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    const ia = draws ? draws.a[s]! : sample(random!, permA, m);
    const ib = draws ? draws.b[s]! : sample(random!, permB, m);
    if (fast) {
      values[s] = await polynomialMmd2Float32(toFloat32(fa, undefined, ia), toFloat32(fb, undefined, ib));
    } else {
      gather(fa, ia, x);
      gather(fb, ib, y);
      values[s] = polynomialMmd2(x, y, m, fa.dim);
    }
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= subsets;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return {
    mean,
    std: Math.sqrt(variance / subsets),
    subsets,
    subsetSize: m,
    capped: m < requested,
  };
}

/** Unbiased MMD^2 of two m x d row-major sets under k(x, y) = (x.y / d + 1)^3. */
function polynomialMmd2(x: Float64Array, y: Float64Array, m: number, d: number): number {
  const xx = kernelSum(x, x, m, d, true);
  const yy = kernelSum(y, y, m, d, true);
  const xy = kernelSum(x, y, m, d, false);
  return (2 * (xx + yy)) / (m * (m - 1)) - (2 * xy) / (m * m);
}

/**
 * {@link polynomialMmd2} with the products x_i.x_j, y_i.y_j and x_i.y_j as float32 matrix
 * products on the active tfjs backend (in blocks of rows), the kernel and its sums in float64.
 * K_XX and K_YY are summed off their diagonals on both sides: sum_{i != j} = 2 sum_{i < j}.
 */
async function polynomialMmd2Float32(x: Float32Features, y: Float32Features): Promise<number> {
  const m = x.n;
  const xT = transposedTensor(x);
  try {
    const yT = transposedTensor(y);
    try {
      const xx = await kernelSumFloat32(x, xT, true);
      const yy = await kernelSumFloat32(y, yT, true);
      const xy = await kernelSumFloat32(x, yT, false);
      return (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m);
    } finally {
      yT.dispose();
    }
  } finally {
    xT.dispose();
  }
}

/** Sum of (p_i.q_j / d + 1)^3 over all pairs (i, j), or over i != j when `offDiagonal`. */
async function kernelSumFloat32(p: Float32Features, qT: tf.Tensor2D, offDiagonal: boolean): Promise<number> {
  const gamma = 1 / p.dim;
  const nq = qT.shape[1];
  let sum = 0;
  await forEachProductBlock(p, qT, (start, size, g) => {
    for (let r = 0; r < size; r++) {
      const o = r * nq;
      const skip = offDiagonal ? start + r : -1;
      let rowSum = 0;
      for (let j = 0; j < nq; j++) {
        const t = g[o + j]! * gamma + 1;
        if (j !== skip) rowSum += t * t * t;
      }
      sum += rowSum;
    }
  });
  return sum;
}

/**
 * Sum of (p_i.q_j / d + 1)^3 over all pairs (i, j), or over i < j when `upper`, in tiles of rows
 * small enough (~128 KiB) to stay in cache while they are reused.
 */
function kernelSum(p: Float64Array, q: Float64Array, m: number, d: number, upper: boolean): number {
  const gamma = 1 / d;
  const tile = Math.max(1, Math.min(64, Math.floor(16384 / d)));
  let sum = 0;
  for (let i0 = 0; i0 < m; i0 += tile) {
    const i1 = Math.min(m, i0 + tile);
    for (let j0 = upper ? i0 : 0; j0 < m; j0 += tile) {
      const j1 = Math.min(m, j0 + tile);
      for (let i = i0; i < i1; i++) {
        for (let j = upper ? Math.max(j0, i + 1) : j0; j < j1; j++) {
          const t = dot(p, i * d, q, j * d, d) * gamma + 1;
          sum += t * t * t;
        }
      }
    }
  }
  return sum;
}

function identity(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return p;
}

/** m indices without replacement: a partial Fisher-Yates shuffle of `perm` (uniform from any arrangement). */
function sample(random: SeededRandom, perm: Int32Array, m: number): Int32Array {
  const n = perm.length;
  for (let i = 0; i < m; i++) {
    const j = i + random.int(n - i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm.subarray(0, m);
}

function gather(f: Float64Features, rows: ArrayLike<number>, out: Float64Array): void {
  const d = f.dim;
  for (let r = 0; r < rows.length; r++) out.set(f.data.subarray(rows[r]! * d, rows[r]! * d + d), r * d);
}

function explicitSubsets(
  fn: string,
  indices: NonNullable<KernelInceptionDistanceOptions['indices']>,
  na: number,
  nb: number,
): { a: readonly (readonly number[])[]; b: readonly (readonly number[])[] } {
  const { a, b } = indices;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length === 0 || a.length !== b.length) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: options.indices.a and .b must be non-empty lists of as many subsets, got ${lengthOf(a)} and ${lengthOf(b)}`,
    );
  }
  const m = Array.isArray(a[0]) ? a[0].length : 0;
  if (m < 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: options.indices subsets must hold at least 2 indices, got ${m}`,
    );
  }
  for (const [name, lists, n] of [
    ['a', a, na],
    ['b', b, nb],
  ] as const) {
    lists.forEach((list, s) => {
      if (!Array.isArray(list) || list.length !== m) {
        throw new GanError(
          'INVALID_ARGUMENT',
          `${fn}: options.indices.${name}[${s}] must hold ${m} indices like the first subset, got ${lengthOf(list)}`,
        );
      }
      const seen = new Set<number>();
      for (const i of list) {
        if (!Number.isInteger(i) || i < 0 || i >= n || seen.has(i)) {
          throw new GanError(
            'INVALID_ARGUMENT',
            `${fn}: options.indices.${name}[${s}] must hold distinct integers in [0, ${n - 1}], got ${i}${seen.has(i) ? ' twice' : ''}`,
          );
        }
        seen.add(i);
      }
    });
  }
  return { a, b };
}

function lengthOf(value: unknown): string {
  return Array.isArray(value) ? `${value.length} entries` : typeof value;
}
