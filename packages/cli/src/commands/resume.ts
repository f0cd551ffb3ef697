import { resume } from '@gankit/families';

/** Flags of `gankit resume`. */
export interface ResumeFlags {
  /** N more steps after the checkpoint; without it, up to the config's step count. */
  steps?: number;
  /** CPU threads: the native kernels' or, without them, wasm's (default: every core). */
  threads?: number;
}

/** `gankit resume <runDir>`: continues a run from its latest checkpoint, exactly. */
export async function resumeCommand(
  runDir: string,
  flags: ResumeFlags,
  log: (line: string) => void,
): Promise<void> {
  await resume(runDir, { ...flags, log });
}
