import { GanError } from '@gankit/core';
import { bundledFashionMnistDir, type FashionMnistDataset, loadFashionMnist } from '@gankit/data';
import { z } from 'zod';
import type { Log } from '../family.js';

/** Fashion-MNIST data section: `bundled` for the subset shipped with @gankit/data, or a folder with the IDX files. */
export const fashionDataSchema = z
  .object({
    dataset: z.literal('fashion-mnist'),
    dir: z.string().min(1),
  })
  .strict();

/** Loads a split of Fashion-MNIST from a config's `dir` (`bundled` or a folder), logging what it found. */
export async function loadFashionSplit(
  dir: string,
  split: 'train' | 'test',
  log?: Log,
): Promise<FashionMnistDataset> {
  const resolved = dir === 'bundled' ? bundledFashionMnistDir() : dir;
  const dataset = await loadFashionMnist({ dir: resolved, split });
  log?.(
    `data: ${dataset.name}, ${dataset.count} images ${dataset.height}x${dataset.width}x${dataset.channels} from ${resolved}`,
  );
  return dataset;
}

/**
 * Refuses a model whose image size or channels differ from the data's, before any network is
 * built: the networks would otherwise train on mis-shaped batches, or fail deep inside tfjs.
 */
export function assertModelFitsData(
  model: { imageSize: number; channels: number },
  dataset: { name: string; height: number; width: number; channels: number },
): void {
  if (
    model.imageSize !== dataset.height ||
    model.imageSize !== dataset.width ||
    model.channels !== dataset.channels
  ) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `model.imageSize ${model.imageSize} and model.channels ${model.channels} do not fit the data: ${dataset.name} holds ${dataset.height}x${dataset.width}x${dataset.channels} images`,
    );
  }
}
