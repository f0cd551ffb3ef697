import { type SeededRandom, tfjsSeed } from '@gankit/core';
import * as tfl from '@tensorflow/tfjs-layers';

// PyTorch's default (0.1 in its convention): Keras' 0.99 makes the moving statistics lag
// hundreds of steps behind a fast-changing generator, so early samples look washed out.
/** Batch-norm momentum of every architecture. */
const BN_MOMENTUM = 0.9;

/** A batch-norm layer with the architectures' momentum. */
export const batchNorm = (name: string) => tfl.layers.batchNormalization({ momentum: BN_MOMENTUM, name });

/** Applies a layer to symbolic inputs (functional models). */
export const sym = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
  layer.apply(x) as tfl.SymbolicTensor;

/** N(0, 0.02), the DCGAN paper's initialisation (also pix2pix's), seeded from `rng`. */
export const dcganInit = (rng: SeededRandom) =>
  tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: tfjsSeed(rng.seed()) });

/** He-normal initialisation (ReLU-family networks: MLPs, SRResNet), seeded from `rng`. */
export const heInit = (rng: SeededRandom) => tfl.initializers.heNormal({ seed: tfjsSeed(rng.seed()) });
