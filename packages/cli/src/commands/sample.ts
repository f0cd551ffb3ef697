import * as path from 'node:path';
import {
  type BackendChoice,
  GanError,
  loadModel,
  saveImageGrid,
  saveScatterPlot,
  setupBackend,
} from '@gankit/core';
import { gridLabels } from '@gankit/trainers';
import * as tf from '@tensorflow/tfjs-core';
import { readRunConfig, runPaths } from '../run/run-dir.js';

/** Flags of `gankit sample`. */
export interface SampleFlags {
  run: string;
  n: number;
  seed: number;
  out: string;
  backend: BackendChoice;
  /** Class-conditional runs: draw every sample of this class (default: one row per class). */
  class?: number;
  threads?: number;
}

/**
 * `gankit sample`: loads a run's generator and writes `n` samples from a seeded latent
 * batch: an image grid, or a scatter plot for 2-D point generators. Class-conditional runs
 * give one row per class, or only class `--class K`. The same run, seed and backend give
 * byte-identical PNGs.
 */
export async function sampleCommand(flags: SampleFlags, log: (line: string) => void): Promise<string> {
  const runDir = path.resolve(flags.run);
  const config = await readRunConfig(runDir);
  const numClasses = config.family === 'cgan' ? config.model.numClasses : undefined;
  if (flags.class !== undefined) {
    if (numClasses === undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `sample: --class applies to class-conditional runs; ${flags.run} is a '${config.family}' run (preset ${config.preset})`,
      );
    }
    if (!Number.isInteger(flags.class) || flags.class < 0 || flags.class >= numClasses) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `sample: --class must be an integer in [0, ${numClasses - 1}] for ${flags.run}, got ${flags.class}`,
      );
    }
  }
  await setupBackend({
    backend: flags.backend,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
  });
  const dir = runPaths(runDir).generator;
  let generator: Awaited<ReturnType<typeof loadModel>>;
  try {
    generator = await loadModel(dir);
  } catch (e) {
    throw new GanError(
      'IO_ERROR',
      `sample: ${flags.run} has no trained generator (${dir}); train it first with 'gankit train'`,
      { cause: e },
    );
  }
  const latentDim = generator.inputs[0]!.shape[1] as number;
  const labels =
    numClasses === undefined
      ? undefined
      : flags.class !== undefined
        ? new Array<number>(flags.n).fill(flags.class)
        : gridLabels(flags.n, numClasses);
  // the same latent draw as the trainer's sampler, so a seed means the same thing in both
  const samples = tf.tidy(() => {
    const z = tf.randomNormal([flags.n, latentDim], 0, 1, 'float32', flags.seed);
    const inputs = labels ? [z, tf.tensor2d(labels, [labels.length, 1], 'int32')] : z;
    return generator.predict(inputs) as tf.Tensor;
  });
  try {
    const out = path.resolve(flags.out);
    if (samples.rank === 2) {
      await saveScatterPlot(out, [{ points: await samples.data(), color: [30, 90, 200] }]);
    } else {
      const cols =
        labels && flags.class === undefined ? Math.max(1, Math.floor(flags.n / numClasses!)) : undefined;
      await saveImageGrid(samples as tf.Tensor4D, out, { scale: 2, ...(cols ? { cols } : {}) });
    }
    const what = flags.class === undefined ? '' : ` of class ${flags.class}`;
    log(`wrote ${flags.n} samples${what} (seed ${flags.seed}) to ${out}`);
    return out;
  } finally {
    samples.dispose();
    generator.dispose();
  }
}
