import type { BackendChoice } from '@gankit/backend';
import { translateFiles } from '@gankit/families';

/** Flags of `gankit translate`. */
export interface TranslateFlags {
  run: string;
  direction: 'a2b' | 'b2a';
  out: string;
  backend: BackendChoice;
  threads?: number;
}

/** `gankit translate <in...>`: translates images between a CycleGAN run's two domains. */
export async function translateCommand(
  inputs: string[],
  flags: TranslateFlags,
  log: (line: string) => void,
): Promise<string[]> {
  const { run, ...options } = flags;
  const written = await translateFiles(run, inputs, options);
  log(
    `wrote ${written.length} translation${written.length === 1 ? '' : 's'} (${flags.direction}) to ${flags.out}`,
  );
  return written;
}
