/**
 * Soak: long runs of shipped presets, in-process, with the tensor count and the resident memory
 * read every few steps. After warm-up the tensor count must not move and memory must level off.
 */
import * as path from 'node:path';
import { createRun, disposeRun, presetConfig } from '@gankit/families';
import * as tf from '@tensorflow/tfjs-core';

export interface SoakResult {
  preset: string;
  steps: number;
  tensorsFlat: boolean;
  tensors: [number, number];
  rssMb: [number, number];
  /** Growth of resident memory from the end of warm-up to the end, MB. */
  rssGrowthMb: number;
  /** Least-squares slope after warm-up, MB per 1,000 steps. */
  rssSlopeMbPer1000: number;
  flat: boolean;
  ms: number;
}

/** Memory growth that counts as flat after warm-up: allocator noise, not a leak per step. */
const MAX_GROWTH_MB = 64;

export async function soak(
  preset: string,
  steps: number,
  scratch: string,
  set: string[] = [],
): Promise<SoakResult> {
  const started = Date.now();
  const config = presetConfig(preset, {
    steps,
    set: ['output.evalSamples=0', `output.checkpointEvery=${Math.max(50, Math.floor(steps / 4))}`, ...set],
  });
  const run = await createRun(config, path.join(scratch, `soak-${preset}`));
  const every = Math.max(1, Math.floor(steps / 40));
  const samples: { step: number; tensors: number; rss: number }[] = [];
  const strategy = run.parts.strategy;
  const trainStep = strategy.trainStep.bind(strategy);
  strategy.trainStep = (batches, ctx) => {
    // read before the step: the previous step's tensors are all disposed by then
    if (ctx.step % every === 0) {
      samples.push({
        step: ctx.step,
        tensors: tf.memory().numTensors,
        rss: process.memoryUsage().rss / 2 ** 20,
      });
    }
    return trainStep(batches, ctx);
  };
  try {
    await run.trainer.fit();
  } finally {
    disposeRun(run);
  }
  const after = samples.filter((s) => s.step > steps / 4);
  const tensors = after.map((s) => s.tensors);
  const rss = after.map((s) => s.rss);
  const n = after.length;
  const mx = after.reduce((a, s) => a + s.step, 0) / n;
  const my = rss.reduce((a, b) => a + b, 0) / n;
  const slope =
    after.reduce((a, s) => a + (s.step - mx) * (s.rss - my), 0) /
    after.reduce((a, s) => a + (s.step - mx) ** 2, 0);
  const growth = Math.max(...rss.slice(Math.floor(n / 2))) - rss[0]!;
  const tensorsFlat = Math.min(...tensors) === Math.max(...tensors);
  return {
    preset,
    steps,
    tensorsFlat,
    tensors: [Math.min(...tensors), Math.max(...tensors)],
    rssMb: [Math.min(...rss), Math.max(...rss)],
    rssGrowthMb: growth,
    rssSlopeMbPer1000: slope * 1000,
    flat: tensorsFlat && growth < MAX_GROWTH_MB,
    ms: Date.now() - started,
  };
}
