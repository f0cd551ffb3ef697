import { type RunResult, resume } from '@gankit/families';
import type { ProgressInfo } from '@gankit/trainers';

/** Flags of `gankit resume`. */
export interface ResumeFlags {
  /** N more steps after the checkpoint; without it, up to the config's step count. */
  steps?: number;
  /** CPU threads: the native kernels' or, without them, wasm's (default: every core). */
  threads?: number;
  /** Called after every step in place of the progress lines (the terminal's bar). */
  onProgress?: (progress: ProgressInfo) => void;
}

/**
 * `gankit resume <runDir>`: continues a run from its latest checkpoint, exactly.
 * @returns the run's result (`interruptedBy` when a signal stopped it), or `undefined` when
 * the run was already at its target step
 */
export async function resumeCommand(
  runDir: string,
  flags: ResumeFlags,
  log: (line: string) => void,
): Promise<RunResult | undefined> {
  return resume(runDir, { ...flags, log });
}
