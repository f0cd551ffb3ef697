import { GanError } from '@gankit/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { Callback, TrainingContext } from '../engine/callbacks.js';
import { getLearningRate, setLearningRate } from '../engine/update.js';

/**
 * A learning-rate schedule: the factor applied to each optimizer's base rate at a step.
 * `constant`; `linear` decay to 0 from `decayStart` to the last step (as in pix2pix / CycleGAN);
 * `cosine` from 1 to 0 over the run; optional linear warm-up in every case.
 * @category Callbacks
 */
export interface LearningRateScheduleOptions {
  /** Shape of the decay. */
  kind: 'constant' | 'linear' | 'cosine';
  /** Warm-up steps from 0 to the base rate. Default 0. */
  warmupSteps?: number;
  /** For `linear`: the step where decay starts. Default 0. */
  decayStart?: number;
  /** Optimizer names to schedule. Default: all. */
  optimizers?: string[];
}

/**
 * The factor of a schedule at a step (1 = the base learning rate).
 * @param options - the schedule
 * @param step - the step about to run (from 1)
 * @param totalSteps - the run's last step
 * @returns the multiplier in [0, 1]
 * @example
 * ```ts
 * import { learningRateFactor } from '@gankit/trainers';
 * learningRateFactor({ kind: 'linear', decayStart: 50 }, 75, 100); // 0.5
 * ```
 * @category Callbacks
 */
export function learningRateFactor(
  options: LearningRateScheduleOptions,
  step: number,
  totalSteps: number,
): number {
  const warmup = options.warmupSteps ?? 0;
  const warm = warmup > 0 ? Math.min(1, step / warmup) : 1;
  switch (options.kind) {
    case 'constant':
      return warm;
    case 'linear': {
      const start = options.decayStart ?? 0;
      if (step <= start) return warm;
      return warm * Math.max(0, 1 - (step - start) / Math.max(1, totalSteps - start));
    }
    case 'cosine':
      return warm * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / Math.max(1, totalSteps)));
    default:
      throw new GanError(
        'INVALID_ARGUMENT',
        `learningRateSchedule: kind must be constant, linear or cosine, got '${String(options.kind)}'`,
      );
  }
}

/**
 * Sets each optimizer's learning rate before every step from its base rate (read at the
 * start of training) times {@link learningRateFactor}. Depends only on the step, so resumed
 * runs follow the same schedule.
 * @param options - the schedule
 * @returns the callback
 * @throws GanError `UNKNOWN_NAME` at train start for an optimizer name the strategy lacks
 * @example
 * ```ts
 * import { learningRateSchedule } from '@gankit/trainers';
 * const lr = learningRateSchedule({ kind: 'linear', decayStart: 5000 });
 * ```
 * @category Callbacks
 */
export function learningRateSchedule(options: LearningRateScheduleOptions): Callback {
  let base: [tf.Optimizer, number][] = [];
  return {
    name: 'learning-rate',
    onTrainBegin(ctx: TrainingContext) {
      const all = ctx.strategy.optimizers;
      const names = options.optimizers ?? Object.keys(all);
      base = names.map((n) => {
        const opt = all[n];
        if (!opt) {
          throw new GanError(
            'UNKNOWN_NAME',
            `learningRateSchedule: no optimizer '${n}'; the strategy has ${Object.keys(all).join(', ')}`,
          );
        }
        return [opt, getLearningRate(opt)];
      });
    },
    onStepBegin(ctx: TrainingContext) {
      const f = learningRateFactor(options, ctx.step + 1, ctx.totalSteps);
      for (const [opt, lr] of base) setLearningRate(opt, lr * f);
    },
    onTrainEnd() {
      for (const [opt, lr] of base) setLearningRate(opt, lr);
    },
  };
}
