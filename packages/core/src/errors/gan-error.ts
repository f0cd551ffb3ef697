/**
 * What went wrong, as a stable string a program can switch on.
 * @category Errors
 */
export type GanErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'UNKNOWN_NAME'
  | 'INVALID_CONFIG'
  | 'IO_ERROR'
  | 'INVALID_DATA'
  | 'BACKEND_UNAVAILABLE'
  | 'UNSUPPORTED'
  | 'NON_FINITE'
  | 'RUN_IN_USE';

/**
 * The one error class gankit throws. The message names the function and the argument,
 * what was expected and what arrived; `code` is stable for programs, `cause` keeps the
 * underlying error where there was one.
 *
 * @example
 * ```ts
 * import { GanError } from '@gankit/core';
 * try {
 *   throw new GanError('INVALID_ARGUMENT', 'dcganGenerator: latentDim must be a positive integer, got -1');
 * } catch (e) {
 *   if (e instanceof GanError && e.code === 'INVALID_ARGUMENT') console.log(e.message);
 * }
 * ```
 * @category Errors
 */
export class GanError extends Error {
  /** Machine-readable category of the failure. */
  readonly code: GanErrorCode;

  /**
   * @param code - the failure category
   * @param message - a sentence naming the function, the argument, what was expected and what arrived
   * @param options - `cause`: the underlying error, if any
   */
  constructor(code: GanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GanError';
    this.code = code;
  }
}

/**
 * Formats a shape for messages: `[64, 3, 1]`.
 * @param shape - the shape to format
 * @returns the shape as text
 * @category Errors
 */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is an integer >= `min`.
 * @param fn - the calling function's name, for the message
 * @param name - the argument's name
 * @param value - the value to check
 * @param min - the smallest allowed value (default 1)
 * @returns the value, narrowed to number
 * @throws GanError when the value is not an integer >= min
 * @category Errors
 */
export function checkInteger(fn: string, name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must be an integer >= ${min}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a finite number in the open or closed range given.
 * @param fn - the calling function's name
 * @param name - the argument's name
 * @param value - the value to check
 * @param range - `min`/`max` bounds and whether they are exclusive
 * @returns the value, narrowed to number
 * @throws GanError when the value is not finite or out of range
 * @category Errors
 */
export function checkNumber(
  fn: string,
  name: string,
  value: unknown,
  range: { min?: number; max?: number; exclusiveMin?: boolean } = {},
): number {
  const { min, max, exclusiveMin = false } = range;
  const bad =
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (min !== undefined && (exclusiveMin ? value <= min : value < min)) ||
    (max !== undefined && value > max);
  if (bad) {
    const bounds = [
      min !== undefined ? `${exclusiveMin ? '>' : '>='} ${min}` : '',
      max !== undefined ? `<= ${max}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: ${name} must be a finite number${bounds ? ` ${bounds}` : ''}, got ${String(value)}`,
    );
  }
  return value as number;
}
