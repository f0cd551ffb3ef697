import { GanError, SeededRandom, type SeededRandomState } from '@gankit/core';

/**
 * Options of {@link BatchSampler}.
 * @category Data
 */
export interface BatchSamplerOptions {
  /** Number of items to draw from (the dataset size). */
  size: number;
  /** Items per batch. */
  batchSize: number;
  /** Seed of the shuffling. Default 0. */
  seed?: number;
  /** Skip the last, smaller batch of an epoch. Default false. */
  dropLast?: boolean;
  /** Draw a fresh random permutation every epoch. Default true; false keeps the order 0..size-1. */
  shuffle?: boolean;
}

/**
 * The position of a {@link BatchSampler}, JSON-safe, for checkpoints. The permutation itself is
 * not stored: it is regenerated from the random state at the start of the epoch.
 * @category Data
 */
export interface BatchSamplerState {
  /** The configuration the state belongs to; restoring into a different one fails. */
  size: number;
  batchSize: number;
  dropLast: boolean;
  shuffle: boolean;
  /** The current epoch, from 0. */
  epoch: number;
  /** How many batches of the current epoch were already handed out. */
  batchIndex: number;
  /** The random state at the start of the current epoch, before its permutation was drawn. */
  rng: SeededRandomState;
}

/**
 * Hands out batches of item indices, epoch by epoch, with a fresh seeded permutation per epoch.
 * Its position can be saved with {@link BatchSampler.getState} and restored with
 * {@link BatchSampler.setState}, so a resumed run sees exactly the batches an uninterrupted one
 * would have seen.
 *
 * An epoch has `floor(size / batchSize)` batches with `dropLast`, `ceil(size / batchSize)` without
 * (the last one then smaller). {@link BatchSampler.next} moves on to the next epoch by itself;
 * {@link BatchSampler.epochBatches} iterates what is left of the current one.
 *
 * @example
 * ```ts
 * import { BatchSampler } from '@gankit/data';
 * const sampler = new BatchSampler({ size: 10, batchSize: 4, seed: 1 });
 * for (const indices of sampler.epochBatches()) console.log(indices.length); // 4, 4, 2
 * const saved = sampler.getState();
 * const a = sampler.next();
 * const resumed = new BatchSampler({ size: 10, batchSize: 4 });
 * resumed.setState(saved);
 * console.log(resumed.next()); // the same as a
 * ```
 * @category Data
 */
export class BatchSampler {
  /** Number of items drawn from. */
  readonly size: number;
  /** Items per batch. */
  readonly batchSize: number;
  /** Whether the last, smaller batch of an epoch is skipped. */
  readonly dropLast: boolean;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** Batches in every epoch. */
  readonly batchesPerEpoch: number;

  private readonly rng: SeededRandom;
  private epochStart: SeededRandomState;
  private order: number[] = [];
  private currentEpoch = 0;
  private currentBatch = 0;

  /**
   * @param options - `size`, `batchSize`, `seed` (default 0), `dropLast` (default false), `shuffle` (default true)
   * @throws GanError `INVALID_ARGUMENT` when a size is not a positive integer, the seed is not an
   *   integer, or `dropLast` leaves no batch at all (`batchSize > size`)
   */
  constructor(options: BatchSamplerOptions) {
    const fn = 'BatchSampler';
    const { size, batchSize, seed = 0, dropLast = false, shuffle = true } = options;
    for (const [name, value] of [
      ['size', size],
      ['batchSize', batchSize],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new GanError(
          'INVALID_ARGUMENT',
          `${fn}: ${name} must be an integer >= 1, got ${String(value)}`,
        );
      }
    }
    if (!Number.isInteger(seed)) {
      throw new GanError('INVALID_ARGUMENT', `${fn}: seed must be an integer, got ${String(seed)}`);
    }
    if (dropLast && batchSize > size) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: with dropLast, batchSize (${batchSize}) must be <= size (${size}), or no batch is ever full`,
      );
    }
    this.size = size;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.shuffle = shuffle;
    this.batchesPerEpoch = dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
    this.rng = new SeededRandom(seed);
    this.epochStart = this.rng.getState();
    this.drawOrder();
  }

  /** The epoch (from 0) that the batches handed out last came from, or the first epoch before any. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** How many batches of the current epoch were already handed out. */
  get batchIndex(): number {
    return this.currentBatch;
  }

  /** Whether every batch of the current epoch was handed out (the next call starts a new epoch). */
  get epochDone(): boolean {
    return this.currentBatch >= this.batchesPerEpoch;
  }

  private drawOrder(): void {
    const order = Array.from({ length: this.size }, (_, i) => i);
    this.order = this.shuffle ? this.rng.shuffle(order) : order;
  }

  /**
   * The next batch of indices; starts a new epoch (a new permutation) when the current one is done.
   * @returns `batchSize` distinct indices in `[0, size)` (fewer for the last batch without `dropLast`)
   */
  next(): number[] {
    if (this.epochDone) {
      this.currentEpoch++;
      this.currentBatch = 0;
      this.epochStart = this.rng.getState();
      this.drawOrder();
    }
    const start = this.currentBatch * this.batchSize;
    this.currentBatch++;
    return this.order.slice(start, Math.min(start + this.batchSize, this.size));
  }

  /**
   * Iterates the batches left in the current epoch; when the current epoch is already done,
   * those of the next one. Breaking out of the loop keeps the position after the last batch taken.
   * @returns a generator of index batches
   * @example
   * ```ts
   * import { BatchSampler } from '@gankit/data';
   * const sampler = new BatchSampler({ size: 100, batchSize: 32, dropLast: true });
   * for (let e = 0; e < 2; e++) for (const batch of sampler.epochBatches()) console.log(sampler.epoch, batch.length);
   * ```
   */
  *epochBatches(): Generator<number[], void, undefined> {
    if (this.epochDone) yield this.next();
    while (!this.epochDone) yield this.next();
  }

  /**
   * The current position, for a checkpoint.
   * @returns a JSON-safe {@link BatchSamplerState}
   */
  getState(): BatchSamplerState {
    return {
      size: this.size,
      batchSize: this.batchSize,
      dropLast: this.dropLast,
      shuffle: this.shuffle,
      epoch: this.currentEpoch,
      batchIndex: this.currentBatch,
      rng: [...this.epochStart],
    };
  }

  /**
   * Restores a position saved by {@link BatchSampler.getState}; the following batches are those
   * the saving sampler would have handed out.
   * @param state - a saved state from a sampler with the same size, batch size, dropLast and shuffle
   * @throws GanError `INVALID_ARGUMENT` when the state belongs to a different configuration or is malformed
   */
  setState(state: BatchSamplerState): void {
    const fn = 'BatchSampler.setState';
    const problems: string[] = [];
    for (const key of ['size', 'batchSize', 'dropLast', 'shuffle'] as const) {
      if (state?.[key] !== this[key]) {
        problems.push(`${key} is ${String(state?.[key])} in the state but ${String(this[key])} here`);
      }
    }
    if (!Number.isInteger(state?.epoch) || state.epoch < 0) {
      problems.push(`epoch must be an integer >= 0, got ${String(state?.epoch)}`);
    }
    if (
      !Number.isInteger(state?.batchIndex) ||
      state.batchIndex < 0 ||
      state.batchIndex > this.batchesPerEpoch
    ) {
      problems.push(
        `batchIndex must be an integer in [0, ${this.batchesPerEpoch}], got ${String(state?.batchIndex)}`,
      );
    }
    if (problems.length > 0) {
      throw new GanError('INVALID_ARGUMENT', `${fn}: ${problems.join('; ')}`);
    }
    this.rng.setState(state.rng);
    this.epochStart = this.rng.getState();
    this.drawOrder();
    this.currentEpoch = state.epoch;
    this.currentBatch = state.batchIndex;
  }
}
