import { formatShape, GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A set of n feature vectors of one dimension d, as the generative metrics accept it:
 * - a `tf.Tensor2D` [n, d] (read with `await data()`, never disposed: the caller keeps it);
 * - rows, `number[][]` with n rows of d numbers;
 * - a flat row-major array with its dimension, `{ data, dim }` (`data.length = n * d`).
 *
 * The metrics copy the numbers into a float64 array before doing any arithmetic.
 * @category Generative metrics
 */
export type FeatureInput = tf.Tensor2D | readonly (readonly number[])[] | FlatFeatures;

/**
 * Feature vectors as one flat row-major array: vector i is `data[i * dim .. (i + 1) * dim)`.
 * @category Generative metrics
 */
export interface FlatFeatures {
  /** `n * dim` numbers, row-major. */
  readonly data: Float32Array | Float64Array | readonly number[];
  /** Length of each feature vector. */
  readonly dim: number;
}

/**
 * A feature matrix read into float64: n rows of d numbers, row-major.
 * @internal
 */
export interface Float64Features {
  data: Float64Array;
  n: number;
  dim: number;
}

function isTensor(input: FeatureInput): input is tf.Tensor2D {
  return typeof (input as tf.Tensor).dataSync === 'function' && Array.isArray((input as tf.Tensor).shape);
}

/**
 * Copies rows or a flat array into a float64 row-major array, checking that every row has `dim`
 * numbers and every number is finite.
 * @param fn - the calling function, for messages
 * @param name - the argument's name, for messages
 * @param rows - the vectors
 * @param dim - the expected length of each vector, or undefined to take the first row's
 * @returns the float64 copy
 * @throws GanError `SHAPE_MISMATCH` for a row of another length, `NON_FINITE` for NaN or infinity
 * @internal
 */
export function copyRows(
  fn: string,
  name: string,
  rows: readonly (readonly number[])[],
  dim: number | undefined,
): Float64Features {
  const n = rows.length;
  const d = dim ?? rows[0]?.length ?? 0;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (!Array.isArray(row) || row.length !== d) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: ${name} must be rows of ${d} numbers, got ${Array.isArray(row) ? `${row.length} numbers` : typeof row} in row ${i}`,
      );
    }
    for (let j = 0; j < d; j++) data[i * d + j] = row[j]!;
  }
  checkFinite(fn, name, data, d);
  return { data, n, dim: d };
}

/**
 * Copies a flat row-major array into float64, checking its length and values.
 * @param fn - the calling function, for messages
 * @param name - the argument's name, for messages
 * @param values - `n * dim` numbers
 * @param dim - the vector length
 * @returns the float64 copy
 * @throws GanError `SHAPE_MISMATCH` when the length is not a multiple of dim, `NON_FINITE` for NaN or infinity
 * @internal
 */
export function copyFlat(fn: string, name: string, values: ArrayLike<number>, dim: number): Float64Features {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name}.dim must be an integer >= 1, got ${String(dim)}`);
  }
  if (values.length % dim !== 0) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${name} must hold a whole number of ${dim}-d vectors, got ${values.length} numbers`,
    );
  }
  const data = Float64Array.from(values);
  checkFinite(fn, name, data, dim);
  return { data, n: values.length / dim, dim };
}

function checkFinite(fn: string, name: string, data: Float64Array, dim: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new GanError(
        'NON_FINITE',
        `${fn}: ${name} must be finite, got ${data[i]} in vector ${Math.floor(i / dim)} at index ${i % dim}`,
      );
    }
  }
}

/**
 * Reads any {@link FeatureInput} into float64. A tensor is read with `await data()` (safe on GPU
 * backends) and not disposed.
 * @param fn - the calling function, for messages
 * @param name - the argument's name, for messages
 * @param input - the features
 * @returns the float64 copy
 * @throws GanError `SHAPE_MISMATCH` for a tensor that is not 2-D or ragged rows, `NON_FINITE` for NaN or infinity
 * @internal
 */
export async function readFeatures(fn: string, name: string, input: FeatureInput): Promise<Float64Features> {
  if (isTensor(input)) {
    if (input.rank !== 2) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: ${name} must be a 2-D tensor [n, dim], got shape ${formatShape(input.shape)}`,
      );
    }
    return copyFlat(fn, name, await input.data(), input.shape[1]);
  }
  if (Array.isArray(input)) return copyRows(fn, name, input as readonly (readonly number[])[], undefined);
  const flat = input as FlatFeatures;
  if (flat === null || typeof flat !== 'object' || flat.data === undefined) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must be a tf.Tensor2D, number[][] or { data, dim }, got ${flat === null ? 'null' : typeof flat}`,
    );
  }
  return copyFlat(fn, name, flat.data, flat.dim);
}

/**
 * Throws unless two feature sets have the same dimension.
 * @param fn - the calling function, for messages
 * @param a - the first set
 * @param b - the second set
 * @param names - the arguments' names
 * @throws GanError `SHAPE_MISMATCH` when the dimensions differ
 * @internal
 */
export function checkSameDim(
  fn: string,
  a: Float64Features,
  b: Float64Features,
  names: readonly [string, string],
): void {
  if (a.dim !== b.dim) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${names[0]} and ${names[1]} must have the same feature dimension, got [${a.n}, ${a.dim}] and [${b.n}, ${b.dim}]`,
    );
  }
}

/**
 * Throws unless a feature set has at least `min` vectors.
 * @param fn - the calling function, for messages
 * @param name - the argument's name
 * @param f - the set
 * @param min - the least number of vectors
 * @param why - what the vectors are needed for
 * @throws GanError `INVALID_ARGUMENT` when there are fewer
 * @internal
 */
export function checkCount(fn: string, name: string, f: Float64Features, min: number, why: string): void {
  if (f.n < min) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must hold at least ${min} feature vectors (${why}), got ${f.n}`,
    );
  }
}

/**
 * Dot product of x[xo .. xo + d) and y[yo .. yo + d), with four accumulators so the additions
 * do not wait on each other (about 3x faster than one running sum).
 * @internal
 */
export function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += x[xo + k]! * y[yo + k]!;
    s1 += x[xo + k + 1]! * y[yo + k + 1]!;
    s2 += x[xo + k + 2]! * y[yo + k + 2]!;
    s3 += x[xo + k + 3]! * y[yo + k + 3]!;
  }
  for (; k < d; k++) s0 += x[xo + k]! * y[yo + k]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Squared Euclidean distance between x[xo .. xo + d) and y[yo .. yo + d), from the differences
 * (no cancellation), with four accumulators.
 * @internal
 */
export function squaredDistance(x: Float64Array, xo: number, y: Float64Array, yo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    const e0 = x[xo + k]! - y[yo + k]!;
    const e1 = x[xo + k + 1]! - y[yo + k + 1]!;
    const e2 = x[xo + k + 2]! - y[yo + k + 2]!;
    const e3 = x[xo + k + 3]! - y[yo + k + 3]!;
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  for (; k < d; k++) {
    const e = x[xo + k]! - y[yo + k]!;
    s0 += e * e;
  }
  return s0 + s1 + (s2 + s3);
}
