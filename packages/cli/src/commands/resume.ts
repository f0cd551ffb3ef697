import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { readRunConfig } from '../run/run-dir.js';
import { buildRun, runTraining } from './train.js';

/** Flags of `gankit resume`. */
export interface ResumeFlags {
  /** N more steps after the checkpoint; without it, up to the config's step count. */
  steps?: number;
  /** CPU threads: the native kernels' or, without them, wasm's (default: every core). */
  threads?: number;
}

/**
 * `gankit resume <runDir>`: restores the latest checkpoint (weights, optimizer slots, random
 * state, data position) and continues training exactly where it stopped.
 */
export async function resumeCommand(
  runDirArg: string,
  flags: ResumeFlags,
  log: (line: string) => void,
): Promise<void> {
  const runDir = path.resolve(runDirArg);
  const config = await readRunConfig(runDir);
  const run = await buildRun(config, runDir, log, flags.threads);
  const step = await run.trainer.restore();
  if (step === undefined) {
    run.strategy.dispose();
    throw new GanError(
      'IO_ERROR',
      `resume: ${runDir} has no checkpoint yet; start it again with 'gankit train'`,
    );
  }
  const target = flags.steps !== undefined ? step + flags.steps : config.training.steps;
  if (target <= step) {
    run.strategy.dispose();
    log(`resume: ${runDir} is already at step ${step} of ${target}; pass --steps N to train N more`);
    return;
  }
  run.trainer.setTotalSteps(target);
  log(`resume: ${runDir} from step ${step} to ${target}`);
  await runTraining(run, runDir, log);
}
