import { checkInteger, GanError } from '@gankit/core';
import { checkCount, type FeatureInput, readFeatures } from './features.js';

/**
 * Options of {@link inceptionScore}.
 * @category Generative metrics
 */
export interface InceptionScoreOptions {
  /** Number of consecutive splits the score is computed on, then averaged. Default 10. */
  splits?: number;
}

/**
 * What {@link inceptionScore} computed.
 * @category Generative metrics
 */
export interface InceptionScore {
  /** Mean of the per-split scores. */
  mean: number;
  /** Their standard deviation, ddof 0 (np.std). */
  std: number;
}

/**
 * Inception Score (Salimans et al. 2016, "Improved Techniques for Training GANs") from a
 * classifier's logits: per split, `exp(mean over samples of KL(p(y|x) || p(y)))`, where p(y) is the
 * mean of p(y|x) over the split; then mean and standard deviation (ddof 0) over splits, as the
 * original OpenAI code and torch-fidelity's `isc_features_to_metric` compute it.
 *
 * Works in float64: p = softmax and log p = log-softmax of each row (max subtracted first, so huge
 * logits are fine). Split i holds rows [floor(i n / splits), floor((i + 1) n / splits)), as
 * torch-fidelity, so every row counts even when splits does not divide n. Rows are taken in the
 * order given (torch-fidelity shuffles them with a fixed seed first; the original code does not):
 * pass samples in random order. The score lies in [1, classes].
 *
 * @param logits - [n, classes] unnormalized log-probabilities (a tensor, read with `await data()` and not disposed, or arrays)
 * @param options - number of splits
 * @returns mean and std of the per-split scores
 * @throws GanError `INVALID_ARGUMENT` when splits is not an integer in [1, n] or there are fewer than 2 classes, `SHAPE_MISMATCH` for ragged rows, `NON_FINITE` for NaN or infinity
 * @example
 * ```ts
 * import { inceptionScore } from '@gankit/metrics';
 * // confident and evenly spread over 4 classes: the score is the number of classes
 * const logits = [0, 1, 2, 3, 0, 1, 2, 3].map((c) => [0, 1, 2, 3].map((k) => (k === c ? 50 : 0)));
 * const r = await inceptionScore(logits, { splits: 2 });
 * console.log(r.mean.toFixed(3), r.std.toFixed(3)); // 4.000 0.000
 * ```
 * @category Generative metrics
 */
export async function inceptionScore(
  logits: FeatureInput,
  options: InceptionScoreOptions = {},
): Promise<InceptionScore> {
  const fn = 'inceptionScore';
  const f = await readFeatures(fn, 'logits', logits);
  checkCount(fn, 'logits', f, 1, 'one row per sample');
  const n = f.n;
  const c = f.dim;
  if (c < 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: logits must have at least 2 classes, got shape [${n}, ${c}]`,
    );
  }
  const splits = checkInteger(fn, 'options.splits', options.splits ?? 10);
  if (splits > n) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: options.splits must be <= the number of samples (${n}) so no split is empty, got ${splits}`,
    );
  }
  // log-softmax in place: logits - max - log(sum exp(logits - max))
  const logP = f.data;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < c; k++) max = Math.max(max, logP[o + k]!);
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(logP[o + k]! - max);
    const logSum = max + Math.log(sum);
    for (let k = 0; k < c; k++) logP[o + k]! -= logSum;
  }
  const scores: number[] = [];
  const q = new Float64Array(c);
  for (let s = 0; s < splits; s++) {
    const lo = Math.floor((s * n) / splits);
    const hi = Math.floor(((s + 1) * n) / splits);
    q.fill(0);
    for (let i = lo; i < hi; i++) {
      for (let k = 0; k < c; k++) q[k]! += Math.exp(logP[i * c + k]!);
    }
    for (let k = 0; k < c; k++) q[k] = Math.log(q[k]! / (hi - lo));
    let kl = 0;
    for (let i = lo; i < hi; i++) {
      const o = i * c;
      let row = 0;
      for (let k = 0; k < c; k++) {
        const lp = logP[o + k]!;
        const p = Math.exp(lp);
        // p log(p / q) -> 0 as p -> 0: a probability that underflows adds nothing
        if (p > 0) row += p * (lp - q[k]!);
      }
      kl += row;
    }
    scores.push(Math.exp(kl / (hi - lo)));
  }
  const mean = scores.reduce((x, y) => x + y, 0) / splits;
  const variance = scores.reduce((x, y) => x + (y - mean) ** 2, 0) / splits;
  return { mean, std: Math.sqrt(variance) };
}
