import { GanError } from '@gankit/core';

/**
 * Where a generative metric came from. FIDs (and KIDs, precisions, ...) are only comparable
 * when all of these agree: the feature network and its weights, the resolution the images were
 * scored at, and both sample counts (FID is biased upward at small n).
 * @category Generative metrics
 */
export interface MetricProvenance {
  /** The feature network, e.g. `fashion-classifier (penultimate, 128-d)` or `inception-v3 pool3`. */
  featureNetwork: string;
  /** A hash of its weights (e.g. the first 16 hex digits of their SHA-256). */
  weightsHash: string;
  /** The resolution images were scored at, `HxWxC`. */
  resolution: string;
  /** Real images in the reference statistics. */
  nReal: number;
  /** Generated images scored. */
  nFake: number;
  /** Seed of the generated latents. */
  seed: number;
  /** What the real images were, e.g. `Fashion-MNIST test (10000)`. */
  reference?: string;
}

const COMPARED: readonly (keyof MetricProvenance)[] = [
  'featureNetwork',
  'weightsHash',
  'resolution',
  'nReal',
  'nFake',
  'reference',
];

/**
 * Refuses to compare two metrics of different provenance: the numbers would not mean the same
 * thing. The seed may differ (that is what seed studies compare).
 * @param a - the first metric's provenance
 * @param b - the second's
 * @param what - the metric's name, for the message
 * @throws GanError `INVALID_ARGUMENT` listing every field that differs, with both values
 * @example
 * ```ts
 * import { assertComparable } from '@gankit/metrics';
 * const p = { featureNetwork: 'fashion-classifier', weightsHash: 'ab12', resolution: '28x28x1', nReal: 10000, nFake: 10000, seed: 1 };
 * assertComparable(p, { ...p, seed: 2 }); // fine: only the seed differs
 * try {
 *   assertComparable(p, { ...p, nFake: 1000 }, 'FID');
 * } catch (e) {
 *   console.log((e as Error).message); // FID values of different provenance cannot be compared: nFake 10000 vs 1000
 * }
 * ```
 * @category Generative metrics
 */
export function assertComparable(a: MetricProvenance, b: MetricProvenance, what = 'metric'): void {
  const differ = COMPARED.filter((k) => a[k] !== b[k]).map(
    (k) => `${k} ${JSON.stringify(a[k] ?? null)} vs ${JSON.stringify(b[k] ?? null)}`,
  );
  if (differ.length > 0) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${what} values of different provenance cannot be compared: ${differ.join(', ')}`.replace(/"/g, ''),
    );
  }
}
