import * as path from 'node:path';
import {
  type BackendChoice,
  GanError,
  loadImage,
  loadModel,
  saveImage,
  setupBackend,
  tiledUpscale,
} from '@gankit/core';
import { runPaths } from '../run/run-dir.js';

/** Flags of `gankit upscale`. */
export interface UpscaleFlags {
  run: string;
  out?: string;
  tile: number;
  overlap: number;
  backend: BackendChoice;
  threads?: number;
}

/** The default output: `<name>.x<scale>.png` next to the input. */
function defaultOut(input: string, scale: number): string {
  const parsed = path.parse(path.resolve(input));
  return path.join(parsed.dir, `${parsed.name}.x${scale}.png`);
}

/**
 * `gankit upscale <in>`: super-resolves a PNG or JPEG with a run's generator, tile by tile
 * (memory bounded by the tile size, seams removed by the overlap), alpha kept; writes a PNG.
 */
export async function upscaleCommand(
  input: string,
  flags: UpscaleFlags,
  log: (line: string) => void,
): Promise<string> {
  const image = await loadImage(path.resolve(input));
  await setupBackend({
    backend: flags.backend,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
  });
  const dir = runPaths(path.resolve(flags.run)).generator;
  let generator: Awaited<ReturnType<typeof loadModel>>;
  try {
    generator = await loadModel(dir);
  } catch (e) {
    throw new GanError(
      'IO_ERROR',
      `upscale: ${flags.run} has no trained generator (${dir}); train one with 'gankit train --preset srresnet-x4' (or another super-resolution preset)`,
      { cause: e },
    );
  }
  try {
    const started = Date.now();
    let lastLogged = 0;
    const result = await tiledUpscale(generator, image, {
      tile: flags.tile,
      overlap: flags.overlap,
      onProgress: (done, total) => {
        // a line every ~2 s and at the end keeps long runs visible without flooding logs
        if (done === total || Date.now() - lastLogged > 2000) {
          lastLogged = Date.now();
          log(`tile ${done}/${total} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        }
      },
    });
    const scale = result.width / image.width;
    const out = flags.out ? path.resolve(flags.out) : defaultOut(input, scale);
    if (path.extname(out).toLowerCase() !== '.png') {
      throw new GanError('INVALID_ARGUMENT', `upscale: --out must be a .png file, got ${flags.out}`);
    }
    await saveImage(result, out);
    log(`wrote ${result.width}x${result.height} (x${scale}) to ${out}`);
    return out;
  } finally {
    generator.dispose();
  }
}
