import { GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { describe } from '../internal/validate.js';

/**
 * What perceptual and style losses need from a network: `encode(images)` returning one feature
 * tensor or named taps. Every `Encoder` of `@gankit/encoders` (VGG, learned CNN encoders)
 * satisfies it; so does any object with such a method.
 * @category Content losses
 */
export interface FeatureExtractor {
  /**
   * Encodes a batch of images; the caller owns the returned tensors.
   * @param images - [batch, height, width, channels]
   */
  encode(images: tf.Tensor4D): tf.Tensor | Record<string, tf.Tensor>;
}

/** Per-tap weights: tap name to weight. */
export type LayerWeights = Readonly<Record<string, number>>;

export function checkExtractor(fn: string, extractor: unknown): asserts extractor is FeatureExtractor {
  if (
    extractor == null ||
    typeof extractor !== 'object' ||
    typeof (extractor as { encode?: unknown }).encode !== 'function'
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: extractor must be an object with an encode(images) method (an Encoder), got ${describe(extractor)}`,
    );
  }
}

/** Checks the per-tap weights (finite, >= 0). */
export function checkLayerWeights(fn: string, layers: unknown): LayerWeights | undefined {
  if (layers === undefined) return undefined;
  if (layers === null || typeof layers !== 'object' || Array.isArray(layers)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: layers must map tap names to weights, e.g. { block3_conv3: 1 }, got ${describe(layers)}`,
    );
  }
  const entries = Object.entries(layers);
  if (entries.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: layers must name at least one tap`);
  }
  for (const [name, w] of entries) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: layers.${name} must be a finite number >= 0, got ${describe(w)}`,
      );
    }
  }
  return layers as LayerWeights;
}

/**
 * Pairs up the features of prediction and target with their weights: a single tensor gets weight
 * 1 (or `layers` must be absent); named taps get `layers[name]`, every tap weight 1 without `layers`.
 */
export function weightedTaps(
  fn: string,
  a: tf.Tensor | Record<string, tf.Tensor>,
  b: tf.Tensor | Record<string, tf.Tensor>,
  layers: LayerWeights | undefined,
): { name: string; a: tf.Tensor; b: tf.Tensor; weight: number }[] {
  const isTensor = (x: unknown): x is tf.Tensor => x != null && typeof x === 'object' && 'shape' in x;
  if (isTensor(a) && isTensor(b)) {
    if (layers !== undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: layers names taps, but the extractor returns a single feature tensor; drop layers or use a multi-tap encoder`,
      );
    }
    return [{ name: 'features', a, b, weight: 1 }];
  }
  if (isTensor(a) || isTensor(b) || a == null || b == null) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: extractor.encode must return a tensor or a record of tensors consistently, got ${describe(a)} and ${describe(b)}`,
    );
  }
  const available = Object.keys(a);
  const chosen = layers ?? Object.fromEntries(available.map((k) => [k, 1]));
  return Object.entries(chosen).map(([name, weight]) => {
    const fa = a[name];
    const fb = b[name];
    if (!isTensor(fa) || !isTensor(fb)) {
      throw new GanError(
        'UNKNOWN_NAME',
        `${fn}: the extractor has no tap '${name}'; its taps: ${available.join(', ') || '(none)'}`,
      );
    }
    return { name, a: fa, b: fb, weight };
  });
}
