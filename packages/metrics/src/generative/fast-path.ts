import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Float64Features } from './features.js';

/**
 * The least work, in multiply-adds of one matrix product (`n_a * n_b * d`), for which KID,
 * precision/recall, density/coverage and `manifoldMetrics` switch by themselves (option
 * `exact` unset) from float64 JavaScript loops to float32 matrix products on the active tfjs
 * backend: 2^25, about 33.6 million, e.g. 512 x 512 vectors at d = 128 or 128 x 128 at d = 2048.
 * The product is `n_real * n_fake * d` for the manifold metrics and `subsetSize^2 * d` for KID.
 *
 * The switch happens only on a backend whose products are fast: any backend but tfjs' pure
 * JavaScript `cpu` one, or `cpu` with gankit's native kernels enabled
 * (`enableNativeKernels('cpu')` from `@gankit/backend`). tfjs' own `cpu` product runs at
 * 0.5 - 0.9 GFLOP/s, two to three times slower than the float64 loops it would replace, so there
 * the float64 path stays (and stays exact); `exact: false` forces the float32 path anyway.
 * @category Generative metrics
 */
export const FAST_PATH_MIN_WORK = 2 ** 25;

/** Rows of the first operand per product block. */
const BLOCK_ROWS = 1024;
/** Values of one product block at most: 2^24 float32, 64 MiB (1024 rows up to n_b = 16384). */
const BLOCK_VALUES = 2 ** 24;

/** Where `@gankit/backend` records the backends it has put native kernels on. */
const NATIVE_KERNELS_KEY = Symbol.for('@gankit/core/native-kernels');

/**
 * Whether to take the float32 tfjs path: `exact` true or false decides; unset, the work and the
 * active backend do (see {@link FAST_PATH_MIN_WORK}).
 * @param fn - the calling function, for messages
 * @param exact - the caller's option
 * @param work - multiply-adds of the largest product
 * @returns true for the float32 tfjs path
 * @throws GanError `INVALID_ARGUMENT` when exact is neither a boolean nor undefined
 * @internal
 */
export async function chooseFastPath(fn: string, exact: unknown, work: number): Promise<boolean> {
  if (exact === true) return false;
  if (exact === false) return true;
  if (exact !== undefined) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: options.exact must be a boolean, got ${String(exact)}`);
  }
  if (work < FAST_PATH_MIN_WORK) return false;
  try {
    await tf.ready();
  } catch {
    return false; // no tfjs backend at all: the float64 loops need none
  }
  const name = tf.getBackend();
  if (name !== 'cpu') return typeof name === 'string';
  const native = (globalThis as { [NATIVE_KERNELS_KEY]?: Map<string, unknown> })[NATIVE_KERNELS_KEY];
  return native instanceof Map && native.has('cpu');
}

/**
 * Feature vectors rounded to float32 for the products, with their squared norms.
 * @internal
 */
export interface Float32Features {
  /** n rows of dim numbers, row-major. */
  rows: Float32Array;
  /** Squared norm of each row, summed in float64 from the float32 values. */
  norms: Float64Array;
  n: number;
  dim: number;
}

/**
 * The mean of a feature set, to subtract from both sets before rounding to float32: distances do
 * not change, and ||x||^2 + ||y||^2 - 2 x.y loses less to cancellation around the data's centre
 * than around a far-away origin (features after a ReLU all lie in one orthant, for instance).
 * @internal
 */
export function meanOf(f: Float64Features): Float64Array {
  const { n, dim: d, data } = f;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c]! += data[i * d + c]!;
  for (let c = 0; c < d; c++) mean[c]! /= n;
  return mean;
}

/**
 * Rounds (rows of) a float64 feature set to float32, minus `shift` when given.
 * @param f - the features
 * @param shift - a vector to subtract from every row, or undefined
 * @param rows - the rows to take, or undefined for all, in order
 * @returns the float32 copy with its squared norms
 * @internal
 */
export function toFloat32(
  f: Float64Features,
  shift?: Float64Array,
  rows?: ArrayLike<number>,
): Float32Features {
  const d = f.dim;
  const n = rows ? rows.length : f.n;
  const out = new Float32Array(n * d);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const from = (rows ? rows[i]! : i) * d;
    let s = 0;
    for (let c = 0; c < d; c++) {
      const v = Math.fround(f.data[from + c]! - (shift ? shift[c]! : 0));
      out[i * d + c] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  return { rows: out, norms, n, dim: d };
}

/**
 * The transpose of a float32 set as a [dim, n] tensor, the right operand of the products: built
 * here rather than with a transposeB flag, which tfjs-wasm runs outside XNNPACK, ~20x slower.
 * The caller disposes it.
 * @internal
 */
export function transposedTensor(f: Float32Features): tf.Tensor2D {
  const { n, dim: d, rows } = f;
  const t = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) t[c * n + i] = rows[i * d + c]!;
  return tf.tensor2d(t, [d, n], 'float32');
}

/**
 * Computes the products a_i . b_j for all i, j as float32 matrix products on the active backend,
 * in blocks of at most 1024 rows of `a` (and at most 2^24 values), and calls
 * `visit(start, size, g)` for each, g[q * n_b + j] = a_(start + q) . b_j: a view valid only during
 * the call. Reads with `await data()`; every tensor it makes is disposed before it returns.
 * @param a - the left operand, n_a rows
 * @param bT - the transposed right operand, [dim, n_b]
 * @param visit - called once per block, in order
 * @internal
 */
export async function forEachProductBlock(
  a: Float32Features,
  bT: tf.Tensor2D,
  visit: (start: number, size: number, g: Float32Array) => void,
): Promise<void> {
  const d = a.dim;
  const nb = bT.shape[1];
  const rows = Math.max(1, Math.min(BLOCK_ROWS, Math.floor(BLOCK_VALUES / Math.max(1, nb))));
  for (let start = 0; start < a.n; start += rows) {
    const size = Math.min(rows, a.n - start);
    const block = a.rows.subarray(start * d, (start + size) * d);
    const g = tf.tidy(() => tf.matMul(tf.tensor2d(block, [size, d], 'float32'), bT));
    try {
      visit(start, size, (await g.data()) as Float32Array);
    } finally {
      g.dispose();
    }
  }
}
