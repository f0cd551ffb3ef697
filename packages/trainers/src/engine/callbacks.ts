import type * as tf from '@tensorflow/tfjs-core';
import type { StepLosses, Strategy } from './types.js';

/**
 * What callbacks see.
 * @category Callbacks
 */
export interface TrainingContext {
  /** The strategy being trained. */
  strategy: Strategy<never>;
  /** The current step (after onStepEnd: the step just finished). */
  step: number;
  /** The step the run stops at. */
  totalSteps: number;
  /** The step the run started (or resumed) from. */
  startStep: number;
  /** Milliseconds since this run (or resume) began. */
  elapsedMs: number;
  /** The run folder, when the trainer has one. */
  runDir?: string;
  /** Asks the trainer to save a checkpoint now. */
  saveCheckpoint(): Promise<string | undefined>;
  /** Samples from the generator (EMA weights when the trainer keeps them); the caller owns the result. */
  sample(count: number, seed: number): tf.Tensor;
}

/**
 * Training hooks, every one optional. Stateful callbacks return their state from `getState`
 * and take it back in `setState`, and it is saved with checkpoints.
 * @category Callbacks
 */
export interface Callback {
  /** A unique name, used as the key of its state in checkpoints. */
  readonly name: string;
  /** Before the first step. */
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  /** Before every step (context.step is the last finished step). */
  onStepBegin?(context: TrainingContext): void | Promise<void>;
  /** After every step, with that step's losses. */
  onStepEnd?(context: TrainingContext, losses: StepLosses): void | Promise<void>;
  /** After the last step (also after an early stop). */
  onTrainEnd?(context: TrainingContext): void | Promise<void>;
  /** @returns JSON-safe state to checkpoint */
  getState?(): unknown;
  /** @param state - what `getState` returned when the checkpoint was written */
  setState?(state: unknown): void;
}
