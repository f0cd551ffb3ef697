import { GanError } from '../errors/gan-error.js';

/**
 * The serializable state of a {@link SeededRandom}: four 32-bit words.
 * @category Randomness
 */
export type SeededRandomState = readonly [number, number, number, number];

/**
 * A small, fast, seedable generator (sfc32) whose state can be saved in a checkpoint and
 * restored, so a resumed run draws the same numbers as an uninterrupted one. It also hands
 * out integer seeds for tfjs' own seeded ops (`tf.randomNormal(..., seed)`).
 *
 * @example
 * ```ts
 * import { SeededRandom } from '@gankit/core';
 * const a = new SeededRandom(42), b = new SeededRandom(42);
 * console.log(a.next() === b.next()); // true
 * ```
 * @category Randomness
 */
export class SeededRandom {
  private s: [number, number, number, number];

  /**
   * @param seed - any integer; the same seed gives the same sequence
   * @throws GanError when the seed is not a finite integer
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new GanError('INVALID_ARGUMENT', `SeededRandom: seed must be an integer, got ${String(seed)}`);
    }
    // splitmix32 expands the seed into four well-mixed words
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = [next(), next(), next(), next()];
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /**
   * @returns a uniformly distributed 32-bit unsigned integer
   */
  nextUint32(): number {
    let [a, b, c, d] = this.s;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    this.s = [a >>> 0, b >>> 0, c >>> 0, d];
    return t;
  }

  /**
   * @returns a uniform float in [0, 1)
   */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * @param n - exclusive upper bound (a positive integer)
   * @returns a uniform integer in [0, n)
   */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * A seed for a tfjs random op, drawn from this stream.
   * @returns an integer in [0, 2^31)
   */
  seed(): number {
    return this.nextUint32() >>> 1;
  }

  /**
   * @returns a standard normal sample (Box-Muller)
   */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * Shuffles an array in place (Fisher-Yates).
   * @param items - the array to shuffle
   * @returns the same array
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /**
   * @returns the current state, for checkpoints
   */
  getState(): SeededRandomState {
    return [...this.s];
  }

  /**
   * Restores a state saved by {@link SeededRandom.getState}.
   * @param state - four 32-bit unsigned integers
   * @throws GanError when the state is not four 32-bit integers
   */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `SeededRandom.setState: state must be four 32-bit unsigned integers, got ${JSON.stringify(state)}`,
      );
    }
    this.s = [state[0]!, state[1]!, state[2]!, state[3]!];
  }
}

/**
 * The seed to hand to tfjs' seeded random ops (`tf.randomNormal`, `tf.randomUniform`, the
 * layers' random initializers). They treat a seed of 0 as no seed at all and draw from
 * `Math.random`, so seed 0 would give other numbers in every process; this maps 0 to 0.5 (a
 * seed no integer collides with) and returns every other seed as it is.
 * @param seed - the caller's seed
 * @returns a seed tfjs honours
 * @example
 * ```ts
 * import { tfjsSeed } from '@gankit/core';
 * console.log(tfjsSeed(0), tfjsSeed(7)); // 0.5 7
 * ```
 * @category Randomness
 */
export function tfjsSeed(seed: number): number {
  return seed === 0 ? 0.5 : seed;
}
