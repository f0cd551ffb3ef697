import { checkNumber, formatShape, GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Throws INVALID_ARGUMENT unless `t` looks like a tfjs tensor. */
export function checkTensor(fn: string, name: string, t: unknown): asserts t is tf.Tensor {
  if (t == null || typeof t !== 'object' || !('shape' in t) || !('dtype' in t)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be a tensor, got ${describe(t)}`);
  }
  if ((t as tf.Tensor).isDisposed) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} is a disposed tensor`);
  }
}

/** Throws unless `t` is a float32 tensor. */
export function checkFloat(fn: string, name: string, t: unknown): asserts t is tf.Tensor {
  checkTensor(fn, name, t);
  if (t.dtype !== 'float32') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be a float32 tensor, got ${t.dtype}`);
  }
}

/**
 * Throws SHAPE_MISMATCH unless `t` holds one logit per example, [batch] or [batch, 1], or one per
 * patch, [batch, ..., 1] (PatchGAN discriminators).
 */
export function checkLogits(fn: string, name: string, t: tf.Tensor): void {
  checkTensor(fn, name, t);
  if (t.rank === 0 || (t.rank >= 2 && t.shape[t.rank - 1] !== 1)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${name} must have shape [batch] or [batch, 1] (or [batch, height, width, 1] for patch logits), got ${formatShape(t.shape)}`,
    );
  }
  if (t.dtype !== 'float32') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be float32 logits, got ${t.dtype}`);
  }
}

/** Throws SHAPE_MISMATCH unless `a` and `b` have the same shape. */
export function checkSameShape(
  fn: string,
  nameA: string,
  nameB: string,
  a: { readonly shape: readonly number[] },
  b: { readonly shape: readonly number[] },
): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${nameA} and ${nameB} must have the same shape, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
}

/** Throws SHAPE_MISMATCH unless the tensors share their leading (batch) dimension. */
export function checkSameBatch(fn: string, names: readonly string[], tensors: readonly tf.Tensor[]): void {
  const first = tensors[0]!;
  for (let i = 1; i < tensors.length; i++) {
    const t = tensors[i]!;
    if (t.shape[0] !== first.shape[0]) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${fn}: ${names[0]} and ${names[i]} must have the same batch size, got ${formatShape(first.shape)} and ${formatShape(t.shape)}`,
      );
    }
  }
}

/** Throws SHAPE_MISMATCH unless `t` has the given rank (`what` describes the layout for the message). */
export function checkRank(fn: string, name: string, t: tf.Tensor, rank: number, what: string): void {
  if (t.rank !== rank) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${name} must have shape ${what}, got ${formatShape(t.shape)}`,
    );
  }
}

/** Throws SHAPE_MISMATCH unless `t` has at least rank `min` (a batch plus features). */
export function checkMinRank(fn: string, name: string, t: tf.Tensor, min: number, what: string): void {
  if (t.rank < min) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${fn}: ${name} must have shape ${what}, got ${formatShape(t.shape)}`,
    );
  }
}

/** Throws INVALID_ARGUMENT unless `options` is undefined or a plain object. */
export function checkOptions<T extends object>(
  fn: string,
  options: T | undefined,
): T | Record<string, never> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: options must be an object, got ${describe(options)}`);
  }
  return options;
}

/** A finite number >= 0 (a weight), or the default. */
export function weightOption(fn: string, name: string, value: unknown, fallback: number): number {
  return checkNumber(fn, name, value ?? fallback, { min: 0 });
}

/** A finite number (any sign), or the default. */
export function numberOption(fn: string, name: string, value: unknown, fallback: number): number {
  return checkNumber(fn, name, value ?? fallback);
}

/** A finite number > 0, or the default. */
export function positiveOption(fn: string, name: string, value: unknown, fallback: number): number {
  return checkNumber(fn, name, value ?? fallback, { min: 0, exclusiveMin: true });
}

/** One of the allowed string values, or the default. */
export function choiceOption<T extends string>(
  fn: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = value ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
    );
  }
  return v as T;
}

/** A boolean, or the default. */
export function booleanOption(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  const v = value ?? fallback;
  if (typeof v !== 'boolean') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: ${name} must be a boolean, got ${describe(value)}`);
  }
  return v;
}

/**
 * Checks of the options of catalogue entries (`defineLoss`), `(fn, key, value)`: each throws a
 * GanError naming `fn` and `key` for a bad value and lets an absent one (`undefined`) pass.
 */
export const option = {
  /** A finite number. */
  number: (fn: string, key: string, value: unknown) => numberOption(fn, key, value, 0),
  /** A finite number >= 0. */
  weight: (fn: string, key: string, value: unknown) => weightOption(fn, key, value, 0),
  /** A finite number > 0. */
  positive: (fn: string, key: string, value: unknown) => positiveOption(fn, key, value, 1),
  /** `true` or `false`. */
  boolean: (fn: string, key: string, value: unknown) => booleanOption(fn, key, value, false),
  /** An array of finite numbers >= 0. */
  weights: (fn: string, key: string, value: unknown) => {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: ${key} must be an array of weights, got ${describe(value)}`,
      );
    }
    for (const [i, w] of value.entries()) checkNumber(fn, `${key}[${i}]`, w, { min: 0 });
  },
  /** One of the given strings. */
  oneOf:
    <T extends string>(...allowed: [T, ...T[]]) =>
    (fn: string, key: string, value: unknown) =>
      choiceOption(fn, key, value, allowed, allowed[0]),
};

/** Short description of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') {
    if ('shape' in value && Array.isArray((value as { shape: unknown }).shape)) {
      return `a tensor of shape ${formatShape((value as { shape: number[] }).shape)}`;
    }
    return 'an object';
  }
  return String(value);
}
