import * as path from 'node:path';
import { checkInteger, formatShape, GanError } from '@gankit/core';
import { saveImageGrid } from '@gankit/data';
import type * as tf from '@tensorflow/tfjs-core';
import type { Callback, TrainingContext } from '../engine/callbacks.js';

/**
 * Options of {@link sampleGridCallback}.
 * @category Callbacks
 */
export interface SampleGridOptions {
  /** Write a grid every N steps (and after the last step). */
  every: number;
  /** Images per grid. Default 64. */
  count?: number;
  /** Seed of the fixed latent batch, so grids show the same z over time. Default 0. */
  seed?: number;
  /** Folder for the PNGs. Default `<runDir>/samples`. */
  dir?: string;
  /** Nearest-neighbour upscaling factor of the PNG. Default 2. */
  scale?: number;
  /** Where to report written files. Default: silent. */
  log?: (line: string) => void;
}

/**
 * Writes a PNG grid of samples from a fixed latent batch every N steps
 * (`samples/step-00000100.png`) and `samples/final.png` after the last step.
 * @param options - interval, grid size, seed, folder
 * @returns the callback
 * @throws GanError `INVALID_ARGUMENT` for a non-positive interval or count
 * @example
 * ```ts
 * import { sampleGridCallback } from '@gankit/trainers';
 * const grids = sampleGridCallback({ every: 100, count: 64 });
 * ```
 * @category Callbacks
 */
export function sampleGridCallback(options: SampleGridOptions): Callback {
  const every = checkInteger('sampleGridCallback', 'every', options.every);
  const count = checkInteger('sampleGridCallback', 'count', options.count ?? 64);
  const write = async (ctx: TrainingContext, name: string) => {
    const dir = options.dir ?? (ctx.runDir ? path.join(ctx.runDir, 'samples') : undefined);
    if (!dir) return;
    const images = ctx.sample(count, options.seed ?? 0);
    try {
      if (images.rank !== 4) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `sampleGridCallback: samples must be images [n, h, w, c], got ${formatShape(images.shape)}; use scatterPlotCallback for points`,
        );
      }
      const file = path.join(dir, `${name}.png`);
      const cols = ctx.strategy.gridColumns?.(count);
      await saveImageGrid(images as tf.Tensor4D, file, {
        scale: options.scale ?? 2,
        ...(cols ? { cols } : {}),
      });
      options.log?.(`samples: ${file}`);
    } finally {
      images.dispose();
    }
  };
  return {
    name: 'sample-grid',
    async onStepEnd(ctx: TrainingContext) {
      if (ctx.step % every === 0) await write(ctx, `step-${String(ctx.step).padStart(8, '0')}`);
    },
    async onTrainEnd(ctx: TrainingContext) {
      // also after a resume that trained nothing: a run stopped just before this wrote it
      if (ctx.step > 0) await write(ctx, 'final');
    },
  };
}
