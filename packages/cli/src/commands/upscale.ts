import type { BackendChoice } from '@gankit/backend';
import { upscaleFile } from '@gankit/families';

/** Flags of `gankit upscale`. */
export interface UpscaleFlags {
  run: string;
  out?: string;
  tile: number;
  overlap: number;
  backend: BackendChoice;
  threads?: number;
}

/** `gankit upscale <in>`: super-resolves a PNG or JPEG with a run's generator, tile by tile. */
export async function upscaleCommand(
  input: string,
  flags: UpscaleFlags,
  log: (line: string) => void,
): Promise<string> {
  const { run, ...options } = flags;
  return upscaleFile(input, run, { ...options, log });
}
