import type { BackendChoice } from '@gankit/backend';
import { configFromFile, presetConfig, type RunResult, train } from '@gankit/families';
import type { ProgressInfo } from '@gankit/trainers';

/** Flags of `gankit train`: a preset or a config file, and overrides. */
export interface TrainFlags {
  preset?: string;
  /** A YAML or JSON config file (as `gankit config` writes), instead of a preset. */
  config?: string;
  steps?: number;
  batchSize?: number;
  seed?: number;
  backend?: BackendChoice;
  data?: string;
  out?: string;
  threads?: number;
  /** `path=value` overrides of the preset's config, e.g. `latent.latentWeight=0`. */
  set?: string[];
  /** Called after every step in place of the progress lines (the terminal's bar). */
  onProgress?: (progress: ProgressInfo) => void;
}

/**
 * `gankit train`, as the program runs it: trains a preset or a config file into a run folder, writing sample
 * grids and checkpoints.
 * @returns the run's result; `interruptedBy` says a signal stopped it (checkpoint saved)
 */
export async function trainRun(flags: TrainFlags, log: (line: string) => void): Promise<RunResult> {
  const { preset, config: file, out, threads, onProgress, ...overrides } = flags;
  const config =
    file !== undefined ? await configFromFile(file, overrides) : presetConfig(preset ?? '', overrides);
  return train(config, {
    log,
    ...(out === undefined ? {} : { out }),
    ...(threads === undefined ? {} : { threads }),
    ...(onProgress === undefined ? {} : { onProgress }),
  });
}

/**
 * `gankit train`: trains a preset into a run folder, writing sample grids and checkpoints.
 * @returns the run folder
 */
export async function trainCommand(flags: TrainFlags, log: (line: string) => void): Promise<string> {
  return (await trainRun(flags, log)).runDir;
}
