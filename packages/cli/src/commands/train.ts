import type { BackendChoice } from '@gankit/backend';
import { presetConfig, train } from '@gankit/families';

/** Flags of `gankit train`. */
export interface TrainFlags {
  preset: string;
  steps?: number;
  batchSize?: number;
  seed?: number;
  backend?: BackendChoice;
  data?: string;
  out?: string;
  threads?: number;
  /** `path=value` overrides of the preset's config, e.g. `latent.latentWeight=0`. */
  set?: string[];
}

/** `gankit train`: trains a preset into a run folder, writing sample grids and checkpoints. */
export async function trainCommand(flags: TrainFlags, log: (line: string) => void): Promise<string> {
  const { preset, out, threads, ...overrides } = flags;
  const config = presetConfig(preset, overrides);
  const result = await train(config, {
    log,
    ...(out === undefined ? {} : { out }),
    ...(threads === undefined ? {} : { threads }),
  });
  return result.runDir;
}
