import * as path from 'node:path';
import { checkInteger, formatShape, GanError } from '@gankit/core';
import { saveScatterPlot } from '@gankit/data';
import type { Callback, TrainingContext } from '../engine/callbacks.js';

/**
 * Options of {@link scatterPlotCallback}.
 * @category Callbacks
 */
export interface ScatterPlotCallbackOptions {
  /** Plot every N steps (and after the last step). */
  every: number;
  /** Real points drawn in grey behind the samples (interleaved x, y). */
  reference: ArrayLike<number>;
  /** Generated points per plot. Default 1000. */
  count?: number;
  /** Seed of the latent draw. Default 0. */
  seed?: number;
  /** The square data range shown. Default: fitted to the reference points. */
  range?: readonly [number, number];
  /** Folder for the PNGs. Default `<runDir>/samples`. */
  dir?: string;
  /** Where to report written files. */
  log?: (line: string) => void;
}

/**
 * For 2-D toy data: writes a scatter plot of real (grey) and generated (blue) points every N
 * steps (`samples/step-00001000.png`) and `samples/final.png` at the end.
 * @param options - interval, reference points, sample count, seed
 * @returns the callback
 * @throws GanError `SHAPE_MISMATCH` when the strategy's samples are not [n, 2]
 * @example
 * ```ts
 * import { SeededRandom } from '@gankit/core';
 * import { gaussianMixture } from '@gankit/data';
 * import { scatterPlotCallback } from '@gankit/trainers';
 * const ring = gaussianMixture({ kind: 'ring' });
 * const plots = scatterPlotCallback({ every: 500, reference: ring.sample(1000, new SeededRandom(1)) });
 * ```
 * @category Callbacks
 */
export function scatterPlotCallback(options: ScatterPlotCallbackOptions): Callback {
  const every = checkInteger('scatterPlotCallback', 'every', options.every);
  const count = checkInteger('scatterPlotCallback', 'count', options.count ?? 1000);
  let range = options.range;
  if (!range) {
    let m = 0;
    for (let i = 0; i < options.reference.length; i++) m = Math.max(m, Math.abs(options.reference[i]!));
    range = [-1.25 * m, 1.25 * m];
  }
  const write = async (ctx: TrainingContext, name: string) => {
    const dir = options.dir ?? (ctx.runDir ? path.join(ctx.runDir, 'samples') : undefined);
    if (!dir) return;
    const samples = ctx.sample(count, options.seed ?? 0);
    try {
      if (samples.rank !== 2 || samples.shape[1] !== 2) {
        throw new GanError(
          'SHAPE_MISMATCH',
          `scatterPlotCallback: samples must be [n, 2] points, got ${formatShape(samples.shape)}`,
        );
      }
      const file = path.join(dir, `${name}.png`);
      await saveScatterPlot(
        file,
        [
          { points: options.reference, color: [175, 175, 175], radius: 2 },
          { points: await samples.data(), color: [25, 90, 220], radius: 1 },
        ],
        { range: range! },
      );
      options.log?.(`scatter plot: ${file}`);
    } finally {
      samples.dispose();
    }
  };
  return {
    name: 'scatter-plot',
    async onStepEnd(ctx: TrainingContext) {
      if (ctx.step % every === 0) await write(ctx, `step-${String(ctx.step).padStart(8, '0')}`);
    },
    async onTrainEnd(ctx: TrainingContext) {
      // also after a resume that trained nothing: a run stopped just before this wrote it
      if (ctx.step > 0) await write(ctx, 'final');
    },
  };
}
