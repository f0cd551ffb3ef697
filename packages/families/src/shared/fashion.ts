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
