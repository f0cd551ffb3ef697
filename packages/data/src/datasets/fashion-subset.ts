import { type FashionMnistDataset, loadFashionMnist } from './fashion-mnist.js';
import { stratifiedIndices, subsetImageDataset } from './image-dataset.js';

// The recipe of the Fashion-MNIST subset bundled in data/fashion-mnist-subset, shared by the
// script that makes it (scripts/make-fashion-subset.ts) and the test that checks it can be
// remade. Internal: not exported from the package.

/**
 * Images per class taken from each split.
 * @internal
 */
export const FASHION_SUBSET_PER_CLASS = { train: 200, test: 50 } as const;

/**
 * The seed the committed subset was made with (the test split uses seed + 1).
 * @internal
 */
export const FASHION_SUBSET_SEED = 20_240_601;

/**
 * Picks the bundled subset of one split from the full dataset: `perClass` images of every class,
 * seeded, shuffled together.
 * @param sourceDir - folder of the full Fashion-MNIST IDX files
 * @param split - which split
 * @param seed - the seed (default {@link FASHION_SUBSET_SEED})
 * @returns the subset and the size of the split it came from
 * @throws GanError as {@link loadFashionMnist} and {@link stratifiedIndices} do
 * @internal
 */
export async function makeFashionSubset(
  sourceDir: string,
  split: 'train' | 'test',
  seed: number = FASHION_SUBSET_SEED,
): Promise<{ subset: FashionMnistDataset; fullCount: number }> {
  const full = await loadFashionMnist({ dir: sourceDir, split });
  // a different stream per split, both fixed by the one seed
  const picked = stratifiedIndices(
    full.labels,
    full.numClasses,
    FASHION_SUBSET_PER_CLASS[split],
    seed + (split === 'train' ? 0 : 1),
  );
  const subset = { ...subsetImageDataset(full, picked), dir: full.dir, split };
  return { subset, fullCount: full.count };
}
