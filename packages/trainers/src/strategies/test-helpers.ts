// Shared by this folder's tests: toy networks small enough for a training step in milliseconds.
// Not part of the API.

import { seededDropout } from '@gankit/models';
import * as tfl from '@tensorflow/tfjs-layers';

const conv = (
  filters: number,
  seed: number,
  extra: { activation?: 'relu' | 'tanh'; strides?: number } = {},
) =>
  tfl.layers.conv2d({
    filters,
    kernelSize: 3,
    padding: 'same',
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    ...extra,
  });
const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
  layer.apply(x) as tfl.SymbolicTensor;

/**
 * Toy paired networks, seeded: G upsamples 4x4 -> 8x8, D judges 8x8, E encodes 8x8 -> 4x4, and
 * for pix2pix a translator 8x8 -> 8x8 (with seeded dropout) and a PatchGAN-like D on [A, B].
 * The caller owns all five and disposes those its strategy does not take.
 */
export const pairedNets = (seed: number) => {
  const z = tfl.input({ shape: [4, 4, 1] });
  const up = apply(
    tfl.layers.upSampling2d({ size: [2, 2] }),
    apply(conv(4, seed, { activation: 'relu' }), z),
  );
  const generator = tfl.model({ inputs: z, outputs: apply(conv(1, seed + 1, { activation: 'tanh' }), up) });
  const y = tfl.input({ shape: [8, 8, 1] });
  const dh = apply(conv(4, seed + 2, { strides: 2 }), y);
  const discriminator = tfl.model({
    inputs: y,
    outputs: apply(
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }) }),
      apply(tfl.layers.flatten(), dh),
    ),
  });
  const e = tfl.input({ shape: [8, 8, 1] });
  const encoder = tfl.model({ inputs: e, outputs: apply(conv(1, seed + 4, { strides: 2 }), e) });
  const a = tfl.input({ shape: [8, 8, 1] });
  const b = tfl.input({ shape: [8, 8, 1] });
  const patch = tfl.model({
    inputs: [a, b],
    outputs: apply(conv(1, seed + 5, { strides: 2 }), apply(tfl.layers.concatenate(), [a, b])),
  });
  const a2 = tfl.input({ shape: [8, 8, 1] });
  const translator = tfl.model({
    inputs: a2,
    outputs: apply(conv(1, seed + 6, { activation: 'tanh' }), apply(seededDropout({ rate: 0.5, seed }), a2)),
  });
  return { generator, discriminator, encoder, patch, translator };
};
