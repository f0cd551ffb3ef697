import { GanError, type SeededRandom } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource, StepLosses, Strategy } from './types.js';

/**
 * One step of the training loop, as {@link Trainer} runs it: draws `strategy.batchesPerStep()`
 * batches, runs the strategy's step, frees the batches and reads the losses (with one
 * `await data()`, so GPU backends work too). It touches no files, so a page can drive a
 * strategy with it in its own loop (`@gankit/trainers/browser`), where `Trainer` and its
 * checkpoints are not available.
 *
 * @param strategy - the GAN family's step logic and networks
 * @param data - where batches come from
 * @param step - the step being run, from 1
 * @param rng - the run's random stream (seeds of the latent draws)
 * @returns the step's losses by term, as numbers
 * @throws GanError `NON_FINITE` when a loss is NaN or infinite, naming the step and the term
 * @example
 * ```ts
 * import { SeededRandom } from '@gankit/core';
 * import { mlpDiscriminator, mlpGenerator } from '@gankit/models';
 * import { adversarialStrategy, trainingStep } from '@gankit/trainers';
 * import * as tf from '@tensorflow/tfjs-core';
 * const strategy = adversarialStrategy({
 *   generator: mlpGenerator({ latentDim: 4, outputDim: 2, hidden: [8], seed: 1 }),
 *   discriminator: mlpDiscriminator({ inputDim: 2, hidden: [8], seed: 2 }),
 *   loss: 'non-saturating',
 * });
 * const data = { next: () => ({ images: tf.randomNormal([16, 2], 0, 1, 'float32', 3) }), getState: () => null, setState: () => {} };
 * const rng = new SeededRandom(0);
 * for (let step = 1; step <= 3; step++) console.log(await trainingStep(strategy, data, step, rng)); // { d_loss: ..., g_loss: ... }
 * strategy.dispose();
 * ```
 * @category Engine
 */
export async function trainingStep<B extends object>(
  strategy: Strategy<B>,
  data: BatchSource<B>,
  step: number,
  rng: SeededRandom,
): Promise<StepLosses> {
  const batches: B[] = [];
  for (let i = 0; i < strategy.batchesPerStep(); i++) batches.push(await data.next());
  let scalars: Record<string, tf.Scalar>;
  try {
    scalars = strategy.trainStep(batches, { step, rng });
  } finally {
    for (const b of batches)
      tf.dispose(Object.values(b).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
  }
  const names = Object.keys(scalars);
  // one await per step: the losses are read together (async, so GPU backends work too)
  const values = await Promise.all(names.map((n) => scalars[n]!.data()));
  tf.dispose(Object.values(scalars));
  const losses: StepLosses = {};
  names.forEach((n, i) => {
    const v = values[i]![0]!;
    if (!Number.isFinite(v)) {
      throw new GanError('NON_FINITE', `Trainer: loss '${n}' became ${v} at step ${step}`);
    }
    losses[n] = v;
  });
  return losses;
}
