import type { BackendChoice } from '@gankit/backend';
import { sampleRun } from '@gankit/families';

/** Flags of `gankit sample`. */
export interface SampleFlags {
  run: string;
  n: number;
  seed: number;
  out: string;
  backend: BackendChoice;
  /** Class-conditional runs: draw every sample of this class (default: one row per class). */
  class?: number;
  /** Coarse-to-fine runs: rows of refinements of one coarse start, redrawn from this level up. */
  fromLevel?: number;
  threads?: number;
}

/** `gankit sample`: writes `n` samples of a run's generator from a seeded latent batch. */
export async function sampleCommand(flags: SampleFlags, log: (line: string) => void): Promise<string> {
  const { run, class: classIndex, fromLevel, ...options } = flags;
  const out = await sampleRun(run, {
    ...options,
    ...(classIndex === undefined ? {} : { classIndex }),
    ...(fromLevel === undefined ? {} : { fromLevel }),
  });
  const what =
    (classIndex === undefined ? '' : ` of class ${classIndex}`) +
    (fromLevel === undefined ? '' : `, refined from level ${fromLevel}`);
  log(`wrote ${flags.n} samples${what} (seed ${flags.seed}) to ${out}`);
  return out;
}
