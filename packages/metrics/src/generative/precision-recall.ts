import { checkInteger } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import {
  chooseFastPath,
  type Float32Features,
  forEachProductBlock,
  meanOf,
  toFloat32,
  transposedTensor,
} from './fast-path.js';
import {
  checkCount,
  checkSameDim,
  type FeatureInput,
  type Float64Features,
  readFeatures,
  squaredDistance,
} from './features.js';

/**
 * Options of {@link precisionRecall}.
 * @category Generative metrics
 */
export interface PrecisionRecallOptions {
  /** Neighbourhood size: each ball reaches the k-th nearest neighbour. Default 3 (Kynkaanniemi et al.). */
  k?: number;
  /**
   * true: always the float64 loops; false: always float32 products on the active tfjs backend.
   * Unset (default): the float32 path for large inputs on a backend with fast products (see
   * `FAST_PATH_MIN_WORK`), the float64 one otherwise.
   */
  exact?: boolean;
}

/**
 * What {@link precisionRecall} computed.
 * @category Generative metrics
 */
export interface PrecisionRecall {
  /** Share of fake samples inside the real manifold. */
  precision: number;
  /** Share of real samples inside the fake manifold. */
  recall: number;
  /** The neighbourhood size used. */
  k: number;
}

/**
 * Options of {@link densityCoverage}.
 * @category Generative metrics
 */
export interface DensityCoverageOptions {
  /** Neighbourhood size: each real ball reaches the k-th nearest real neighbour. Default 5 (Naeem et al.). */
  k?: number;
  /**
   * true: always the float64 loops; false: always float32 products on the active tfjs backend.
   * Unset (default): the float32 path for large inputs on a backend with fast products (see
   * `FAST_PATH_MIN_WORK`), the float64 one otherwise.
   */
  exact?: boolean;
}

/**
 * What {@link densityCoverage} computed.
 * @category Generative metrics
 */
export interface DensityCoverage {
  /** Mean number of real balls each fake sample falls in, over k; about 1 when fake matches real, unbounded above. */
  density: number;
  /** Share of real samples whose ball holds at least one fake sample. */
  coverage: number;
  /** The neighbourhood size used. */
  k: number;
}

/**
 * Improved precision and recall (Kynkaanniemi et al. 2019, "Improved Precision and Recall Metric
 * for Assessing Generative Models"). The real manifold is the union of balls around each real
 * feature vector, of radius the distance to its k-th nearest real neighbour (the point itself not
 * counted); precision is the share of fake vectors inside it. Recall swaps the roles: the share of
 * real vectors inside the fake manifold. A point exactly on a ball's radius is inside (<=), as in
 * the authors' code and torch-fidelity's `metric_prc`; duplicates count as neighbours at distance 0.
 *
 * Euclidean distances are computed in float64 from the differences (no cancellation), in blocks
 * of rows: `O((n_r + n_f)^2 d)` time and `O((n_r + n_f) d)` memory, fine for a few thousand vectors
 * (measured on one core: 9 s for 1,000 + 1,000 at d = 2048, so about 4 minutes for 5,000 + 5,000).
 * Large inputs (`n_r * n_f * d >= 2^25`, `FAST_PATH_MIN_WORK`) on a backend with fast products
 * take float32 matrix products on the backend instead, as {@link manifoldMetrics} describes;
 * `exact: true` keeps float64. For precision/recall and density/coverage of one pair of sets,
 * {@link manifoldMetrics} shares the work. Tensors are read with `await data()` and not disposed.
 *
 * @param real - `[n_r, d]` features of real samples
 * @param fake - `[n_f, d]` features of generated samples
 * @param options - neighbourhood size k; `exact`
 * @returns precision, recall and k
 * @throws GanError `SHAPE_MISMATCH` when the dimensions differ or rows are ragged, `INVALID_ARGUMENT` when k is not an integer in [1, n - 1] for either set or `exact` is not a boolean, `NON_FINITE` for NaN or infinity
 * @example
 * ```ts
 * import { precisionRecall } from '@gankit/metrics';
 * const real = [[0], [1], [2], [3], [4]];
 * const fake = [[0.5], [1.5], [10], [11]];
 * const r = await precisionRecall(real, fake, { k: 1 });
 * console.log(r.precision, r.recall); // 0.5 0.6
 * ```
 * @category Generative metrics
 */
export async function precisionRecall(
  real: FeatureInput,
  fake: FeatureInput,
  options: PrecisionRecallOptions = {},
): Promise<PrecisionRecall> {
  const fn = 'precisionRecall';
  const { r, f, k } = await readPair(fn, real, fake, options.k ?? 3, true);
  const rows = await distanceRows(fn, r, f, options.exact);
  const { precision, recall } = await manifoldCounts(rows, r.n, f.n, k, undefined);
  return { precision, recall, k };
}

/**
 * Density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative
 * Models"), built on balls around the real samples only, of radius `NND_k(X_i)`, the distance to the
 * k-th nearest real neighbour (the point itself not counted):
 *
 *   `density = 1 / (k M) sum_j sum_i 1[Y_j in B(X_i, NND_k(X_i))]`
 *   `coverage = 1 / N sum_i 1[exists j: Y_j in B(X_i, NND_k(X_i))]`
 *
 * for N real samples X and M fake samples Y. As in the authors' `prdc` package, "in the ball" is a
 * distance strictly below the radius (<), so for a fake set equal to the real one each ball holds
 * its centre and k - 1 neighbours and density is exactly 1 (with <= it would be (k + 1) / k).
 *
 * Costs as {@link precisionRecall}: O((N + M) N d) time in float64, O((N + M) d) memory, and the
 * same float32 path for large inputs (`exact: true` keeps float64). Tensors are read with
 * `await data()` and not disposed.
 *
 * @param real - [N, d] features of real samples
 * @param fake - [M, d] features of generated samples
 * @param options - neighbourhood size k; `exact`
 * @returns density, coverage and k
 * @throws GanError `SHAPE_MISMATCH` when the dimensions differ or rows are ragged, `INVALID_ARGUMENT` when k is not an integer in [1, N - 1], fake is empty or `exact` is not a boolean, `NON_FINITE` for NaN or infinity
 * @example
 * ```ts
 * import { densityCoverage } from '@gankit/metrics';
 * const real = [[0], [1], [2], [3], [4]];
 * const fake = [[0.5], [1.5], [10], [11]];
 * const r = await densityCoverage(real, fake, { k: 2 });
 * console.log(r.density, r.coverage); // 0.625 0.6
 * ```
 * @category Generative metrics
 */
export async function densityCoverage(
  real: FeatureInput,
  fake: FeatureInput,
  options: DensityCoverageOptions = {},
): Promise<DensityCoverage> {
  const fn = 'densityCoverage';
  const { r, f, k } = await readPair(fn, real, fake, options.k ?? 5, false);
  const rows = await distanceRows(fn, r, f, options.exact);
  const { density, coverage } = await manifoldCounts(rows, r.n, f.n, undefined, k);
  return { density, coverage, k };
}

/**
 * Options of {@link manifoldMetrics}.
 * @category Generative metrics
 */
export interface ManifoldMetricsOptions {
  /** Neighbourhood size of precision and recall. Default 3, as {@link precisionRecall}. */
  kPrecision?: number;
  /** Neighbourhood size of density and coverage. Default 5, as {@link densityCoverage}. */
  kDensity?: number;
  /**
   * true: always the float64 loops; false: always float32 products on the active tfjs backend.
   * Unset (default): the float32 path for large inputs on a backend with fast products (see
   * `FAST_PATH_MIN_WORK`), the float64 one otherwise.
   */
  exact?: boolean;
}

/**
 * What {@link manifoldMetrics} computed.
 * @category Generative metrics
 */
export interface ManifoldMetrics {
  /** Share of fake samples inside the real manifold (k = kPrecision, on the radius counts). */
  precision: number;
  /** Share of real samples inside the fake manifold (k = kPrecision, on the radius counts). */
  recall: number;
  /** Mean number of real balls (k = kDensity, strictly inside) each fake sample falls in, over kDensity. */
  density: number;
  /** Share of real samples whose ball (k = kDensity) holds at least one fake sample. */
  coverage: number;
  /** The neighbourhood size of precision and recall. */
  kPrecision: number;
  /** The neighbourhood size of density and coverage. */
  kDensity: number;
}

/**
 * {@link precisionRecall} and {@link densityCoverage} at once, the same four numbers for less
 * work: the real-real distances are computed once for both neighbourhood sizes, the fake-fake ones
 * once, and the real-fake ones once for all four counts (three distance matrices where the two
 * functions take five). The float64 path also computes each real-real and fake-fake distance once
 * for both of its vectors.
 *
 * Large inputs (`n_real * n_fake * d >= 2^25` multiply-adds, `FAST_PATH_MIN_WORK`) on a
 * backend with fast products (anything but tfjs' pure-JavaScript `cpu`, or `cpu` with gankit's
 * native kernels) take the float32 path: squared distances `||x||^2 + ||y||^2 - 2 x.y` with the
 * products as float32 matrix products on the active backend, in blocks of at most 1024 rows (never
 * a whole n x n matrix), and the radii and counts in JavaScript; both sets are centred on the real
 * mean first, and round-off below 0 is clamped to 0. It can differ from the float64 path only
 * by points lying within round-off of a radius, which float32 may move across it; on random
 * 128-d vectors (3,000 + 3,000, and 10,000 + 10,000) all four numbers came out identical on the
 * cpu, wasm and native products. `exact: true` forces the float64 path, `exact: false` the float32
 * one. The float32 path counts a vector itself at distance exactly 0, but two equal vectors may
 * come out a round-off apart (~1e-7 of their squared norm), so the radius 0 that duplicates give
 * in float64 may become that small positive number.
 *
 * Measured at 10,000 + 10,000 vectors, d = 128, on a 2-core machine busy with other jobs:
 * 4.5 - 7.5 s on wasm with gankit's native kernels (`setupBackend({ backend: 'wasm' })`), 8.9 s
 * on wasm's own XNNPACK products (one thread); the float64 path, which `exact` unset keeps on
 * tfjs' pure-JavaScript cpu backend, takes 46 s (82 s for precisionRecall and densityCoverage
 * called separately), and the float32 path forced there 131 s. Tensors are read with
 * `await data()` and not disposed; every tensor made here is.
 *
 * @param real - `[n_r, d]` features of real samples
 * @param fake - `[n_f, d]` features of generated samples
 * @param options - neighbourhood sizes kPrecision (default 3) and kDensity (default 5); `exact`
 * @returns precision, recall, density and coverage, with both neighbourhood sizes
 * @throws GanError `SHAPE_MISMATCH` when the dimensions differ or rows are ragged, `INVALID_ARGUMENT` when a k is not an integer >= 1 with more real vectors than max(kPrecision, kDensity) and more fake ones than kPrecision, or `exact` is not a boolean, `NON_FINITE` for NaN or infinity
 * @example
 * ```ts
 * import { manifoldMetrics } from '@gankit/metrics';
 * const real = [[0], [1], [2], [3], [4]];
 * const fake = [[0.5], [1.5], [10], [11]];
 * const r = await manifoldMetrics(real, fake, { kPrecision: 1, kDensity: 2 });
 * console.log(r.precision, r.recall, r.density, r.coverage); // 0.5 0.6 0.625 0.6
 * ```
 * @category Generative metrics
 */
export async function manifoldMetrics(
  real: FeatureInput,
  fake: FeatureInput,
  options: ManifoldMetricsOptions = {},
): Promise<ManifoldMetrics> {
  const fn = 'manifoldMetrics';
  const r = await readFeatures(fn, 'real', real);
  const f = await readFeatures(fn, 'fake', fake);
  const kPrecision = checkInteger(fn, 'options.kPrecision', options.kPrecision ?? 3);
  const kDensity = checkInteger(fn, 'options.kDensity', options.kDensity ?? 5);
  const kReal = Math.max(kPrecision, kDensity);
  checkCount(fn, 'real', r, kReal + 1, `a k-th nearest neighbour other than itself for k = ${kReal}`);
  checkCount(
    fn,
    'fake',
    f,
    kPrecision + 1,
    `a k-th nearest neighbour other than itself for k = ${kPrecision}`,
  );
  checkSameDim(fn, r, f, ['real', 'fake']);
  const rows = await distanceRows(fn, r, f, options.exact);
  return { ...(await manifoldCounts(rows, r.n, f.n, kPrecision, kDensity)), kPrecision, kDensity };
}

async function readPair(
  fn: string,
  real: FeatureInput,
  fake: FeatureInput,
  kOption: number,
  fakeBalls: boolean,
): Promise<{ r: Float64Features; f: Float64Features; k: number }> {
  const r = await readFeatures(fn, 'real', real);
  const f = await readFeatures(fn, 'fake', fake);
  const k = checkInteger(fn, 'options.k', kOption);
  checkCount(fn, 'real', r, k + 1, `a k-th nearest neighbour other than itself for k = ${k}`);
  if (fakeBalls) checkCount(fn, 'fake', f, k + 1, `a k-th nearest neighbour other than itself for k = ${k}`);
  else checkCount(fn, 'fake', f, 1, 'something to place in the real balls');
  checkSameDim(fn, r, f, ['real', 'fake']);
  return { r, f, k };
}

/**
 * Distances between the vectors of a real and a fake set, as one of the two paths gives them: the
 * float64 path gives Euclidean distances, the float32 path squared ones. Either way radii and
 * rows are in the same units, and only compared with each other.
 */
interface DistanceRows {
  /** For each k, every vector's distance to its k-th nearest neighbour in its own set. */
  radii(set: 'real' | 'fake', ks: readonly number[]): Promise<Float64Array[]>;
  /** Calls `visit(i, row)` for each real vector i in order, row[j] its distance to fake vector j (a reused view). */
  cross(visit: (i: number, row: Float64Array) => void): Promise<void>;
  /** Frees what the path holds (tensors). */
  dispose(): void;
}

interface ManifoldCounts {
  precision: number;
  recall: number;
  density: number;
  coverage: number;
}

/**
 * Precision/recall with neighbourhood kPrecision and density/coverage with kDensity (either left
 * out when undefined, its numbers then NaN) from one pass over the real-fake distances, with the
 * real radii for both k from one pass over the real-real ones.
 */
async function manifoldCounts(
  rows: DistanceRows,
  nReal: number,
  nFake: number,
  kPrecision: number | undefined,
  kDensity: number | undefined,
): Promise<ManifoldCounts> {
  try {
    const realKs = [kPrecision, kDensity].filter((k): k is number => k !== undefined);
    const realRadii = await rows.radii('real', realKs);
    const realP = kPrecision === undefined ? undefined : realRadii[0]!;
    const realD = kDensity === undefined ? undefined : realRadii[realKs.length - 1]!;
    const fakeP = kPrecision === undefined ? undefined : (await rows.radii('fake', [kPrecision]))[0]!;
    const fakeInside = new Uint8Array(nFake);
    const realInside = new Uint8Array(nReal);
    let inside = 0;
    let covered = 0;
    await rows.cross((i, row) => {
      if (realP !== undefined && fakeP !== undefined) {
        const ri = realP[i]!;
        for (let j = 0; j < nFake; j++) {
          const dist = row[j]!;
          if (dist <= ri) fakeInside[j] = 1;
          if (dist <= fakeP[j]!) realInside[i] = 1;
        }
      }
      if (realD !== undefined) {
        const ri = realD[i]!;
        let hit = false;
        for (let j = 0; j < nFake; j++) {
          if (row[j]! < ri) {
            inside++;
            hit = true;
          }
        }
        if (hit) covered++;
      }
    });
    return {
      precision: mean(fakeInside),
      recall: mean(realInside),
      density: kDensity === undefined ? Number.NaN : inside / (kDensity * nFake),
      coverage: covered / nReal,
    };
  } finally {
    rows.dispose();
  }
}

async function distanceRows(
  fn: string,
  r: Float64Features,
  f: Float64Features,
  exact: unknown,
): Promise<DistanceRows> {
  return (await chooseFastPath(fn, exact, r.n * f.n * r.dim)) ? float32Rows(r, f) : float64Rows(r, f);
}

/** The float64 path: Euclidean distances from the differences, in JavaScript. */
function float64Rows(r: Float64Features, f: Float64Features): DistanceRows {
  return {
    radii: async (set, ks) => neighbourDistances(set === 'real' ? r : f, ks),
    cross: async (visit) => forEachDistanceBlock(r, f, visit),
    dispose: () => {},
  };
}

/**
 * The float32 path: squared distances ||x||^2 + ||y||^2 - 2 x.y, the products as float32 matrix
 * products on the active tfjs backend in blocks of rows, the rest (norms, sums, clamping round-off
 * below 0 to 0, radii and counts) in float64 JavaScript. Both sets are first centred on the real
 * mean, which leaves distances alone and shrinks the norms that cancel.
 */
function float32Rows(r: Float64Features, f: Float64Features): DistanceRows {
  const shift = meanOf(r);
  const sets = { real: toFloat32(r, shift), fake: toFloat32(f, shift) };
  const transposes = new Map<'real' | 'fake', tf.Tensor2D>();
  const transposed = (set: 'real' | 'fake'): tf.Tensor2D => {
    let t = transposes.get(set);
    if (t === undefined) {
      t = transposedTensor(sets[set]);
      transposes.set(set, t);
    }
    return t;
  };
  return {
    radii: (set, ks) => squaredNeighbourDistances(sets[set], transposed(set), ks),
    cross: async (visit) => {
      const { real, fake } = sets;
      const row = new Float64Array(fake.n);
      await forEachProductBlock(real, transposed('fake'), (start, size, g) => {
        for (let q = 0; q < size; q++) {
          const ni = real.norms[start + q]!;
          const o = q * fake.n;
          for (let j = 0; j < fake.n; j++) {
            const s = ni + fake.norms[j]! - 2 * g[o + j]!;
            row[j] = Math.max(s, 0);
          }
          visit(start + q, row);
        }
      });
    },
    dispose: () => {
      for (const t of transposes.values()) t.dispose();
      transposes.clear();
    },
  };
}

/** Rows of queries handled together, so each row of the other set is read once per block. */
const BLOCK = 32;

/**
 * Calls `visit(i, row)` for every vector i of `a`, with row[j] = the Euclidean distance from a_i
 * to b_j (a view that is reused: read it before returning).
 */
function forEachDistanceBlock(
  a: Float64Features,
  b: Float64Features,
  visit: (i: number, row: Float64Array) => void,
): void {
  const d = a.dim;
  const nb = b.n;
  const out = new Float64Array(BLOCK * nb);
  const x = a.data;
  const y = b.data;
  for (let start = 0; start < a.n; start += BLOCK) {
    const size = Math.min(BLOCK, a.n - start);
    for (let j = 0; j < nb; j++) {
      const oj = j * d;
      for (let q = 0; q < size; q++) {
        const s = squaredDistance(x, (start + q) * d, y, oj, d);
        out[q * nb + j] = Math.sqrt(s);
      }
    }
    for (let q = 0; q < size; q++) visit(start + q, out.subarray(q * nb, (q + 1) * nb));
  }
}

/**
 * Inserts v into the ascending list top[base .. base + width) when it is smaller than the last
 * entry, dropping the last: the lists keep the `width` smallest values seen.
 */
function insertSmallest(top: Float64Array, base: number, width: number, v: number): void {
  let p = base + width - 1;
  if (v >= top[p]!) return;
  while (p > base && top[p - 1]! > v) {
    top[p] = top[p - 1]!;
    p--;
  }
  top[p] = v;
}

/**
 * For each k, the distance from each vector to its k-th nearest neighbour in the same set, the
 * vector itself (distance 0) not counted: the (k + 1)-th smallest entry of its row, self included,
 * as `np.partition(d, k)[:, k]` and torch's `kthvalue(k + 1)`. Each distance is computed once for
 * both of its vectors (the float64 differences make d(x, y) and d(y, x) the same number).
 */
function neighbourDistances(f: Float64Features, ks: readonly number[]): Float64Array[] {
  const { n, dim: d, data: x } = f;
  const width = Math.max(...ks) + 1;
  const top = new Float64Array(n * width).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < n; i++) top[i * width] = 0; // the vector itself
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let j = start + 1; j < n; j++) {
      const oj = j * d;
      const last = Math.min(end, j);
      for (let i = start; i < last; i++) {
        const dist = Math.sqrt(squaredDistance(x, i * d, x, oj, d));
        insertSmallest(top, i * width, width, dist);
        insertSmallest(top, j * width, width, dist);
      }
    }
  }
  return ks.map((k) => {
    const radius = new Float64Array(n);
    for (let i = 0; i < n; i++) radius[i] = top[i * width + k]!;
    return radius;
  });
}

/**
 * {@link neighbourDistances} on the float32 path: squared distances from blocked products, the
 * vector itself counted at exactly 0 (its own entry, zero up to round-off, is skipped).
 */
async function squaredNeighbourDistances(
  f: Float32Features,
  transposed: tf.Tensor2D,
  ks: readonly number[],
): Promise<Float64Array[]> {
  const { n, norms } = f;
  const width = Math.max(...ks) + 1;
  const top = new Float64Array(width);
  const radii = ks.map(() => new Float64Array(n));
  await forEachProductBlock(f, transposed, (start, size, g) => {
    for (let q = 0; q < size; q++) {
      const i = start + q;
      const ni = norms[i]!;
      const o = q * n;
      top.fill(Number.POSITIVE_INFINITY);
      top[0] = 0; // the vector itself
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const s = ni + norms[j]! - 2 * g[o + j]!;
        insertSmallest(top, 0, width, Math.max(s, 0));
      }
      for (let t = 0; t < ks.length; t++) radii[t]![i] = top[ks[t]!]!;
    }
  });
  return radii;
}

function mean(flags: Uint8Array): number {
  let s = 0;
  for (const v of flags) s += v;
  return s / flags.length;
}
