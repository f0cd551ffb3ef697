import type { BackendChoice } from '@gankit/backend';
import { evaluateRun } from '@gankit/families';

/** Flags of `gankit eval`. */
export interface EvalFlags {
  /** Evaluation images; default: the family's own (super-resolution: scikit-image's photos). */
  images?: string[];
  backend: BackendChoice;
  threads?: number;
}

/** `gankit eval <runDir>`: scores a run with its family's evaluation; writes `<runDir>/eval.json`. */
export async function evalCommand(
  runDir: string,
  flags: EvalFlags,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  return evaluateRun(runDir, { ...flags, log });
}
