import { checkInteger } from '@gankit/core';
import type { Callback, TrainingContext } from '../engine/callbacks.js';

/**
 * Options of {@link checkpointCallback}.
 * @category Callbacks
 */
export interface CheckpointCallbackOptions {
  /** Save every N steps. */
  every: number;
  /** Also save after the last step. Default true. */
  atEnd?: boolean;
  /** Where to report saves. Default: silent. */
  log?: (line: string) => void;
}

/**
 * Saves a full checkpoint every N steps and at the end of training (through the trainer, so
 * the checkpoint holds every network, optimizer slot, random state and data position).
 * @param options - how often
 * @returns the callback
 * @throws GanError `INVALID_ARGUMENT` for a non-positive interval
 * @example
 * ```ts
 * import { checkpointCallback } from '@gankit/trainers';
 * const ckpt = checkpointCallback({ every: 100 });
 * ```
 * @category Callbacks
 */
export function checkpointCallback(options: CheckpointCallbackOptions): Callback {
  const every = checkInteger('checkpointCallback', 'every', options.every);
  let lastSaved = -1;
  const save = async (ctx: TrainingContext) => {
    if (ctx.step === lastSaved) return;
    const where = await ctx.saveCheckpoint();
    lastSaved = ctx.step;
    if (where) options.log?.(`checkpoint: ${where}`);
  };
  return {
    name: 'checkpoint',
    async onStepEnd(ctx: TrainingContext) {
      if (ctx.step % every === 0) await save(ctx);
    },
    async onTrainEnd(ctx: TrainingContext) {
      if ((options.atEnd ?? true) && ctx.step > ctx.startStep) await save(ctx);
    },
  };
}
