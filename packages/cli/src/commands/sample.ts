import type { BackendChoice } from '@gankit/backend';
import { sampleRun } from '@gankit/families';

/** Flags of `gankit sample`. */
export interface SampleFlags {
  run: string;
  /** Default: the family's. */
  n?: number;
  seed: number;
  out: string;
  backend: BackendChoice;
  /** Class-conditional runs: draw every sample of this class (default: one row per class). */
  class?: number;
  /** Coarse-to-fine runs: rows of refinements of one coarse start, redrawn from this level up. */
  fromLevel?: number;
  /** Text-to-image runs: one row per caption. */
  text?: string[];
  /** Text-to-image runs: walk from the first caption to the second. */
  interpolate?: [string, string];
  /** Text-to-image runs: keep this image's style. */
  styleFrom?: string;
  threads?: number;
}

/** `gankit sample`: writes `n` samples of a run's generator from a seeded latent batch. */
export async function sampleCommand(flags: SampleFlags, log: (line: string) => void): Promise<string> {
  const { run, class: classIndex, fromLevel, text, interpolate, styleFrom, ...options } = flags;
  const out = await sampleRun(run, {
    ...options,
    ...(classIndex === undefined ? {} : { classIndex }),
    ...(fromLevel === undefined ? {} : { fromLevel }),
    ...(text === undefined ? {} : { texts: text }),
    ...(interpolate === undefined ? {} : { interpolate }),
    ...(styleFrom === undefined ? {} : { styleFrom }),
  });
  const count = flags.n === undefined ? 'samples' : `${flags.n} samples`;
  const what =
    interpolate !== undefined
      ? `${flags.n === undefined ? 'rows' : `${flags.n} rows`} walking from ${JSON.stringify(interpolate[0])} to ${JSON.stringify(interpolate[1])}`
      : styleFrom !== undefined
        ? `the captions in the style of ${styleFrom}`
        : text !== undefined
          ? `${count} for each of ${text.length} caption${text.length === 1 ? '' : 's'}`
          : count +
            (classIndex === undefined ? '' : ` of class ${classIndex}`) +
            (fromLevel === undefined ? '' : `, refined from level ${fromLevel}`);
  log(`wrote ${what} (seed ${flags.seed}) to ${out}`);
  return out;
}
