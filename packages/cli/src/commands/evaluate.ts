import type { BackendChoice } from '@gankit/backend';
import { setupBackend } from '@gankit/backend';
import { evaluateRun, writeReferenceStatistics } from '@gankit/families';

/** Flags of `gankit eval`. */
export interface EvalFlags {
  /** Evaluation images; default: the family's own (super-resolution: scikit-image's photos). */
  images?: string[];
  backend: BackendChoice;
  threads?: number;
  /** Generated samples to score (image families; default 10,000). */
  n?: number;
  /** Seed of the generated latents. */
  seed?: number;
  /** Reference statistics written by `gankit stats`. */
  stats?: string;
  /** Feature network: `fashion` or `inception:DIR`. */
  features?: string;
}

/** `gankit eval <runDir>`: scores a run with its family's evaluation; writes `<runDir>/eval.json`. */
export async function evalCommand(
  runDir: string,
  flags: EvalFlags,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  return evaluateRun(runDir, { ...flags, log });
}

/** Flags of `gankit stats`. */
export interface StatsFlags {
  /** A Fashion-MNIST folder (default: Debian's full set where installed, else the bundled subset). */
  data?: string;
  out: string;
  /** Feature network: `fashion` or `inception:DIR`. */
  features?: string;
  backend: BackendChoice;
  threads?: number;
}

/** `gankit stats`: reference features and statistics of real images, cached in a file for `gankit eval --stats`. */
export async function statsCommand(flags: StatsFlags, log: (line: string) => void): Promise<void> {
  await setupBackend({
    backend: flags.backend,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
  });
  const ref = await writeReferenceStatistics(flags.out, {
    ...(flags.data === undefined ? {} : { dir: flags.data }),
    ...(flags.features === undefined ? {} : { features: flags.features }),
  });
  log(
    `wrote ${flags.out}: ${ref.statistics.count} images (${ref.reference}), ${ref.featureNetwork}, weights ${ref.weightsHash}, ${ref.resolution}`,
  );
}
