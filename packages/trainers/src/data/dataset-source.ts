import { BatchSampler, type BatchSamplerState, type ImageDataset, toTensorBatch } from '@gankit/data';
import type { Batch, BatchSource } from '../engine/types.js';

/**
 * Options of {@link datasetBatchSource}.
 * @category Data
 */
export interface DatasetBatchSourceOptions {
  /** Images per batch. */
  batchSize: number;
  /** Seed of the per-epoch shuffles. Default 0. */
  seed?: number;
}

/**
 * Serves shuffled batches of an in-memory {@link ImageDataset} as tensors in [-1, 1], epoch
 * after epoch, always full batches (the last partial batch of an epoch is dropped). Its
 * position is part of every checkpoint.
 *
 * @param dataset - the images and labels
 * @param options - batch size and seed
 * @returns a batch source for the {@link Trainer}
 * @throws GanError `INVALID_ARGUMENT` when the batch size exceeds the dataset
 * @example
 * ```ts
 * import { bundledFashionMnistDir, loadFashionMnist } from '@gankit/data';
 * import { datasetBatchSource } from '@gankit/trainers';
 * const data = datasetBatchSource(await loadFashionMnist({ dir: bundledFashionMnistDir() }), { batchSize: 64 });
 * ```
 * @category Data
 */
export function datasetBatchSource(
  dataset: ImageDataset,
  options: DatasetBatchSourceOptions,
): BatchSource<Batch> {
  const sampler = new BatchSampler({
    size: dataset.count,
    batchSize: options.batchSize,
    seed: options.seed ?? 0,
    dropLast: true,
  });
  return {
    next() {
      const { images, labels } = toTensorBatch(dataset, sampler.next());
      return { images, labels };
    },
    getState: () => sampler.getState(),
    setState: (state: unknown) => sampler.setState(state as BatchSamplerState),
  };
}
