import { formatShape, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Log-mel frames `[frames, melBins]` as rows of numbers (a tensor's are `await t.array()`: the
 * metrics read nothing synchronously, so they also run beside a GPU backend). @category Speech
 */
export type LogMelInput = ArrayLike<number>[];

interface Frames {
  /** row-major `[rows, cols]` values */
  data: Float64Array;
  rows: number;
  cols: number;
}

const DEFAULT_ORDER = 24;
const DEFAULT_SILENCE_DB = 40;
const MCD_SCALE = 10 / Math.LN10;

/** Reads a 2-D input into row-major float64, checking shape and finiteness . */
function readFrames(fn: string, name: string, x: LogMelInput | ArrayLike<number>[]): Frames {
  let data: Float64Array;
  let rows: number;
  let cols: number;
  if (x instanceof tf.Tensor) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must be rows of numbers, got a tensor of shape ${formatShape(x.shape)}; pass await tensor.array()`,
    );
  }
  if (Array.isArray(x)) {
    rows = x.length;
    const first = x[0] as ArrayLike<number> | undefined;
    cols = rows > 0 && first != null && typeof first.length === 'number' ? first.length : 0;
    data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = x[i] as ArrayLike<number> | undefined;
      if (row == null || typeof row.length !== 'number' || row.length !== cols) {
        throw new GanError(
          'INVALID_ARGUMENT',
          `${fn}: ${name} must have rows of equal length, row 0 has ${cols} values and row ${i} has ${
            row == null || typeof row.length !== 'number' ? String(row) : row.length
          }`,
        );
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = Number(row[j]);
    }
  } else {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must be an array of rows, got ${x === null ? 'null' : typeof x}`,
    );
  }
  if (rows === 0 || cols === 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must have at least one frame of at least one value, got shape ${formatShape([rows, cols])}`,
    );
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const i = Math.floor(k / cols);
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: ${name} must be finite, got ${data[k]} at frame ${i}, bin ${k - i * cols} (shape ${formatShape([rows, cols])})`,
      );
    }
  }
  return { data, rows, cols };
}

function checkOrder(fn: string, order: unknown, melBins: number): number {
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 1 || order >= melBins) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: order must be an integer in [1, melBins - 1] = [1, ${melBins - 1}], got ${String(order)} for ${melBins} mel bins`,
    );
  }
  return order;
}

/** The cepstrum of each row (a DCT-II scaled by 1/M), coefficients 0..order, in float64: `[rows, order + 1]`. */
function dctRows(frames: Frames, order: number): Frames {
  const { data, rows, cols: M } = frames;
  const K = order + 1;
  const basis = new Float64Array(K * M);
  for (let d = 0; d < K; d++) {
    const scale = 1 / M;
    for (let m = 0; m < M; m++) basis[d * M + m] = scale * Math.cos((Math.PI * d * (m + 0.5)) / M);
  }
  const out = new Float64Array(rows * K);
  for (let i = 0; i < rows; i++) {
    const off = i * M;
    for (let d = 0; d < K; d++) {
      let s = 0;
      const boff = d * M;
      for (let m = 0; m < M; m++) s += data[off + m]! * basis[boff + m]!;
      out[i * K + d] = s;
    }
  }
  return { data: out, rows, cols: K };
}

/** DTW over rows of two row-major matrices, columns [from, cols) of each. */
function dtwFrames(a: Frames, b: Frames, from: number): DtwResult {
  const n = a.rows;
  const m = b.rows;
  const w = a.cols;
  const D = new Float64Array(n * m);
  const dist = (i: number, j: number): number => {
    let s = 0;
    const ao = i * w;
    const bo = j * w;
    for (let k = from; k < w; k++) {
      const diff = a.data[ao + k]! - b.data[bo + k]!;
      s += diff * diff;
    }
    return Math.sqrt(s);
  };
  for (let i = 0; i < n; i++) {
    const row = i * m;
    const prev = row - m;
    for (let j = 0; j < m; j++) {
      let best: number;
      if (i === 0) best = j === 0 ? 0 : D[j - 1]!;
      else if (j === 0) best = D[prev]!;
      else best = Math.min(D[prev + j - 1]!, D[prev + j]!, D[row + j - 1]!);
      D[row + j] = dist(i, j) + best;
    }
  }
  // trace back the cheapest predecessor, diagonal first on ties
  const path: Array<[number, number]> = [[n - 1, m - 1]];
  let i = n - 1;
  let j = m - 1;
  while (i > 0 || j > 0) {
    if (i === 0) j--;
    else if (j === 0) i--;
    else {
      const diag = D[(i - 1) * m + j - 1]!;
      const up = D[(i - 1) * m + j]!;
      const left = D[i * m + j - 1]!;
      if (diag <= up && diag <= left) {
        i--;
        j--;
      } else if (up <= left) i--;
      else j--;
    }
    path.push([i, j]);
  }
  path.reverse();
  return { path, cost: D[n * m - 1]! };
}

/**
 * Mel cepstrum of log-mel frames: the real cepstrum of the log magnitude sampled at the M mel bins,
 * `c_d = (1/M) * sum_m logMel[m] * cos(pi * d * (m + 0.5) / M)`, `d = 0..order`, so that
 * `logMel[m] ~ c_0 + 2 * sum_d c_d cos(pi * d * (m + 0.5) / M)` (a cosine series on a mel-warped
 * frequency axis; `scipy.fft.dct(x, type=2) / (2 * M)`). On that scale the numbers are those of
 * mel-cepstra; it is not SPTK's mel-generalized cepstrum of the linear spectrum, so MCDs are comparable
 * between systems measured the same way and only roughly with published ones.
 *
 * @param logMel - `[frames, melBins]` natural log of mel-filterbank magnitudes, as rows
 * @param order - the highest coefficient, an integer in `[1, melBins - 1]` (default 24)
 * @returns one `Float32Array` of `order + 1` coefficients per frame, `c_0` (the energy term) first
 * @throws GanError `INVALID_ARGUMENT` for an empty or ragged input, a tensor (pass its rows), non-finite
 * values, or an order outside `[1, melBins - 1]`
 * @example
 * ```ts
 * import { melCepstrum } from '@gankit/metrics';
 * const logMel = [Array.from({ length: 40 }, (_, m) => -m / 10)];
 * const [c] = melCepstrum(logMel, 13); // 14 coefficients c_0..c_13
 * ```
 * @category Speech
 */
export function melCepstrum(logMel: LogMelInput, order: number = DEFAULT_ORDER): Float32Array[] {
  const fn = 'melCepstrum';
  const frames = readFrames(fn, 'logMel', logMel);
  checkOrder(fn, order, frames.cols);
  const c = dctRows(frames, order);
  const out: Float32Array[] = [];
  for (let i = 0; i < c.rows; i++) out.push(Float32Array.from(c.data.subarray(i * c.cols, (i + 1) * c.cols)));
  return out;
}

/**
 * An alignment found by {@link dtwAlign}.
 * @category Speech
 */
export interface DtwResult {
  /** Index pairs `[i, j]` (row of `a`, row of `b`) from `[0, 0]` to `[n - 1, m - 1]`, each step (1,0), (0,1) or (1,1). */
  path: Array<[number, number]>;
  /** Summed Euclidean distance along the path. */
  cost: number;
}

/**
 * Dynamic time warping (Sakoe & Chiba 1978) of two sequences of vectors: the classic recursion
 * `D[i][j] = d(i, j) + min(D[i-1][j], D[i][j-1], D[i-1][j-1])` with steps (1,0), (0,1), (1,1), no slope
 * constraint or window, and the Euclidean distance between rows. O(n·m) time and one n·m `Float64Array`
 * (a few thousand frames each side fit); ties on the way back prefer the diagonal step.
 *
 * @param a - the first sequence, rows of equal length
 * @param b - the second sequence, rows of the same length as `a`'s
 * @returns the path from `[0, 0]` to `[n - 1, m - 1]` and its summed distance
 * @throws GanError `INVALID_ARGUMENT` for an empty or ragged sequence, rows of different lengths
 * between `a` and `b`, or non-finite values
 * @example
 * ```ts
 * import { dtwAlign } from '@gankit/metrics';
 * const { path, cost } = dtwAlign([[0], [1], [2]], [[0], [0], [1], [1], [2]]);
 * // cost 0; path [[0,0],[0,1],[1,2],[1,3],[2,4]]
 * ```
 * @category Speech
 */
export function dtwAlign(a: ArrayLike<number>[], b: ArrayLike<number>[]): DtwResult {
  const fn = 'dtwAlign';
  const fa = readFrames(fn, 'a', a);
  const fb = readFrames(fn, 'b', b);
  if (fa.cols !== fb.cols) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: a and b must have rows of the same length, got shapes ${formatShape([fa.rows, fa.cols])} and ${formatShape([fb.rows, fb.cols])}`,
    );
  }
  return dtwFrames(fa, fb, 0);
}

/**
 * Options for {@link melCepstralDistortion}.
 * @category Speech
 */
export interface MelCepstralDistortionOptions {
  /** The highest cepstral coefficient compared, an integer in `[1, melBins - 1]` (default 24). */
  order?: number;
  /** `'dtw'` (default): pair frames along the DTW path over `c_1..c_order`; `'none'`: pair by index (equal frame counts). */
  align?: 'dtw' | 'none';
  /**
   * Reference frames whose energy, `10 log10(sum_m exp(2 logMel[m]))` dB (mel power), is more than this
   * many dB below the loudest reference frame are dropped after alignment, with their partners
   * (default 40; `Infinity` keeps all).
   */
  silenceDb?: number;
}

/**
 * The result of {@link melCepstralDistortion}.
 * @category Speech
 */
export interface MelCepstralDistortionResult {
  /** Mean mel-cepstral distortion over the pairs used, in dB. */
  mcd: number;
  /** Number of aligned frame pairs averaged (after dropping silent reference frames). */
  frames: number;
}

/**
 * Mel-cepstral distortion (Kubichek 1993) between a reference and a converted (or generated) utterance:
 * `MCD = (10 / ln 10) * sqrt(2 * sum_{d=1}^{order} (c_d - c'_d)^2)` dB, averaged over aligned frame pairs,
 * `c_0` (the energy) left out. With `align: 'dtw'` the pairs are the DTW path (Sakoe & Chiba 1978) over
 * `c_1..c_order`; with `'none'` frames are paired by index. Pairs whose reference frame is more than
 * `silenceDb` below the loudest reference frame are dropped (after alignment).
 *
 * Note: the cepstrum here is the cosine series of the log-mel spectrogram (see {@link melCepstrum}), not
 * SPTK's mel-generalized cepstrum of the linear spectrum, so values are comparable between systems
 * measured the same way and only roughly with published MCD figures.
 *
 * @param reference - `[frames, melBins]` natural-log mel magnitudes of the reference, as rows
 * @param converted - `[frames, melBins]` natural-log mel magnitudes to compare, as rows
 * @param options - order (default 24), align (default `'dtw'`), silenceDb (default 40)
 * @returns the mean MCD in dB and the number of frame pairs averaged
 * @throws GanError `INVALID_ARGUMENT` for empty inputs, different mel-bin counts, an order outside
 * `[1, melBins - 1]`, `'none'` with different frame counts, non-finite values, an unknown `align`, or a
 * negative or NaN `silenceDb`
 * @example
 * ```ts
 * import { melCepstralDistortion } from '@gankit/metrics';
 * // natural-log mel magnitudes, [frames][melBins]; the second says the same a little slower
 * const logMelRef = Array.from({ length: 30 }, (_, t) => Array.from({ length: 40 }, (_, m) => Math.sin(t / 5 + m / 7)));
 * const logMelGen = Array.from({ length: 36 }, (_, t) => Array.from({ length: 40 }, (_, m) => Math.sin(t / 6 + m / 7)));
 * const { mcd, frames } = melCepstralDistortion(logMelRef, logMelGen, { order: 24 });
 * console.log(`MCD ${mcd.toFixed(2)} dB over ${frames} frames`);
 * ```
 * @category Speech
 */
export function melCepstralDistortion(
  reference: LogMelInput,
  converted: LogMelInput,
  options: MelCepstralDistortionOptions = {},
): MelCepstralDistortionResult {
  const fn = 'melCepstralDistortion';
  const { order = DEFAULT_ORDER, align = 'dtw', silenceDb = DEFAULT_SILENCE_DB } = options;
  if (align !== 'dtw' && align !== 'none') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: align must be 'dtw' or 'none', got '${String(align)}'`);
  }
  if (typeof silenceDb !== 'number' || Number.isNaN(silenceDb) || silenceDb < 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: silenceDb must be a number >= 0 (or Infinity), got ${String(silenceDb)}`,
    );
  }
  const ref = readFrames(fn, 'reference', reference);
  const conv = readFrames(fn, 'converted', converted);
  if (ref.cols !== conv.cols) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: reference and converted must have the same number of mel bins, got shapes ${formatShape([ref.rows, ref.cols])} and ${formatShape([conv.rows, conv.cols])}`,
    );
  }
  checkOrder(fn, order, ref.cols);
  if (align === 'none' && ref.rows !== conv.rows) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: align 'none' needs the same number of frames, got shapes ${formatShape([ref.rows, ref.cols])} and ${formatShape([conv.rows, conv.cols])}; use align 'dtw'`,
    );
  }
  const cr = dctRows(ref, order);
  const cc = dctRows(conv, order);
  const K = order + 1;

  // reference frame energies in dB of mel power, 10 log10(sum exp(2 x)), via a stable log-sum-exp
  let keep: Uint8Array | undefined;
  if (silenceDb !== Number.POSITIVE_INFINITY) {
    const M = ref.cols;
    const energy = new Float64Array(ref.rows);
    let loudest = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < ref.rows; i++) {
      let mx = Number.NEGATIVE_INFINITY;
      for (let m = 0; m < M; m++) mx = Math.max(mx, 2 * ref.data[i * M + m]!);
      let s = 0;
      for (let m = 0; m < M; m++) s += Math.exp(2 * ref.data[i * M + m]! - mx);
      energy[i] = MCD_SCALE * (mx + Math.log(s));
      loudest = Math.max(loudest, energy[i]!);
    }
    keep = new Uint8Array(ref.rows);
    for (let i = 0; i < ref.rows; i++) keep[i] = energy[i]! >= loudest - silenceDb ? 1 : 0;
  }

  const pairs: Array<[number, number]> =
    align === 'dtw' ? dtwFrames(cr, cc, 1).path : Array.from({ length: ref.rows }, (_, i) => [i, i]);
  let total = 0;
  let used = 0;
  for (const [i, j] of pairs) {
    if (keep !== undefined && keep[i] === 0) continue;
    let s = 0;
    for (let d = 1; d < K; d++) {
      const diff = cr.data[i * K + d]! - cc.data[j * K + d]!;
      s += diff * diff;
    }
    total += MCD_SCALE * Math.sqrt(2 * s);
    used++;
  }
  return { mcd: total / used, frames: used };
}
