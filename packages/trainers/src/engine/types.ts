import type { SeededRandom } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * One batch of training data. The trainer disposes a batch after the step that used it.
 * @category Engine
 */
export interface Batch {
  /** Real samples: [batch, height, width, channels] images in [-1, 1], or [batch, d] points for toy data. */
  images: tf.Tensor;
  /** [batch] int32 class labels, when the data has them. */
  labels?: tf.Tensor1D;
}

/**
 * Where batches come from. Its position is saved with checkpoints so a resumed run sees the
 * same batches an uninterrupted one would.
 * @category Engine
 */
export interface BatchSource<B = Batch> {
  /** @returns the next batch (the caller owns its tensors), or a promise of it (e.g. decoding images) */
  next(): B | Promise<B>;
  /** @returns a JSON-safe position */
  getState(): unknown;
  /** @param state - a position from {@link BatchSource.getState} */
  setState(state: unknown): void;
}

/**
 * Loss values of one step, by term name (already read from the device).
 * @category Engine
 */
export type StepLosses = Record<string, number>;

/**
 * What a strategy's `trainStep` receives besides its batches.
 * @category Engine
 */
export interface StepContext {
  /** The step being run, from 1. */
  step: number;
  /** The run's random stream; draw tfjs op seeds from it with `rng.seed()`. */
  rng: SeededRandom;
}

/**
 * A strategy's training state beyond its networks and optimizers (e.g. CycleGAN's pools of
 * generated images), saved with every checkpoint so that a resumed run continues exactly.
 * @category Engine
 */
export interface StrategyState {
  /** JSON-safe values (saved in the checkpoint's state file). */
  state?: unknown;
  /** Tensor lists by name (file-name-safe names: letters, digits, `_`, `-`), saved as tensor files. */
  tensors?: Record<string, tf.Tensor[]>;
}

/**
 * One GAN family's training logic: its networks, its optimizers and what one step does.
 * The engine owns the loop, the schedule, callbacks and checkpoints.
 * @category Engine
 */
export interface Strategy<B = Batch, S extends tf.Tensor = tf.Tensor> {
  /** The family's name, e.g. `dcgan`. */
  readonly name: string;
  /** Every network, by name; all of them are checkpointed. */
  readonly networks: Readonly<Record<string, tfl.LayersModel>>;
  /** Every optimizer, by name; their slots are checkpointed. */
  readonly optimizers: Readonly<Record<string, tf.Optimizer>>;
  /** How many batches one step consumes (e.g. k discriminator steps need k batches). */
  batchesPerStep(): number;
  /**
   * Runs one training step.
   * @param batches - `batchesPerStep()` batches, owned by the engine
   * @param context - step number and random stream
   * @returns the step's losses by term (scalars, owned by the engine)
   */
  trainStep(batches: B[], context: StepContext): Record<string, tf.Scalar>;
  /**
   * Generates samples for grids and `gankit sample`.
   * @param count - how many
   * @param seed - seed of the latent draw
   * @returns [count, h, w, c] images in [-1, 1] (image strategies type it `Tensor4D`), or
   * [count, d] points (caller owns)
   */
  sample(count: number, seed: number): S;
  /**
   * Columns of a sample grid of `count` images (conditional strategies: one row per class).
   * Default: a square-ish grid.
   */
  gridColumns?(count: number): number;
  /** @returns the network to export for sampling (usually the generator) */
  samplingNetwork(): tfl.LayersModel;
  /**
   * Training state that is not in `networks` or `optimizers` (say a history of generated
   * images), for checkpoints. Strategies without such state leave it out.
   * @returns JSON-safe state and tensor lists; the caller owns the tensors (give copies)
   */
  getState?(): StrategyState;
  /**
   * Takes back the state of a checkpoint; called on every restore (`state` undefined and no
   * tensors when the checkpoint was written without any).
   * @param state - what `getState` returned when the checkpoint was written; the caller
   *   disposes its tensors afterwards (copy what you keep)
   */
  setState?(state: StrategyState): void;
  /** Frees networks and optimizers. */
  dispose(): void;
}
