import * as path from 'node:path';
import { type BackendChoice, GanError, loadModel, saveImageGrid, setupBackend } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { runPaths } from '../run/run-dir.js';

/** Flags of `gankit sample`. */
export interface SampleFlags {
  run: string;
  n: number;
  seed: number;
  out: string;
  backend: BackendChoice;
  threads?: number;
}

/**
 * `gankit sample`: loads a run's generator and writes a grid of `n` samples from a seeded
 * latent batch. The same run, seed and backend give byte-identical PNGs.
 */
export async function sampleCommand(flags: SampleFlags, log: (line: string) => void): Promise<string> {
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
      `sample: ${flags.run} has no trained generator (${dir}); train it first with 'gankit train'`,
      {
        cause: e,
      },
    );
  }
  const latentDim = generator.inputs[0]!.shape[1] as number;
  const images = tf.tidy(
    () =>
      generator.predict(tf.randomNormal([flags.n, latentDim], 0, 1, 'float32', flags.seed)) as tf.Tensor4D,
  );
  try {
    const out = path.resolve(flags.out);
    await saveImageGrid(images, out, { scale: 2 });
    log(`wrote ${flags.n} samples (seed ${flags.seed}) to ${out}`);
    return out;
  } finally {
    images.dispose();
    generator.dispose();
  }
}
