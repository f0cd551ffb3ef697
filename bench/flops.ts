/**
 * Analytic FLOP counts for the benchmark's DCGAN step. One multiply-add = 2 FLOP; only
 * convolutions, transposed convolutions and dense layers are counted (batch norm, activations,
 * the loss and Adam add well under 1%).
 *
 * Per layer with M multiply-adds in its forward pass (batch included):
 * - forward: 2M
 * - input gradient (dx): 2M, skipped where nothing upstream needs it
 * - weight gradient (dW): 2M, only for the network being updated
 *
 * For a convolution (or transposed convolution, whose MACs are those of the convolution it
 * transposes) M = N * Ho * Wo * kh * kw * Ci * Co over the low-resolution side; for dense
 * M = N * in * out.
 *
 * The step (as tfjs and the PyTorch script both run it):
 * - D update: fake = G(z) forward only; D forward on real and on fake; D backward for both
 *   batches: dW everywhere, dx everywhere except D's first layer (the images need no gradient).
 * - G update: G forward again under the gradient tape; D forward on G(z); D backward dx only
 *   (D's weights are not updated), down to the images; G backward: dW everywhere, dx
 *   everywhere except the first dense layer (z needs no gradient).
 */
export interface Layer {
  name: string;
  /** Multiply-adds of the forward pass for the whole batch. */
  macs: number;
}

export interface DcganShape {
  batch: number;
  latentDim: number;
  imageSize: number;
  channels: number;
  baseWidth: number;
}

/** The benchmark's shape: batch 64, 28x28x1, z of 100, base width 64. */
export const BENCH_SHAPE: DcganShape = {
  batch: 64,
  latentDim: 100,
  imageSize: 28,
  channels: 1,
  baseWidth: 64,
};

/** Generator layers, input to output: dense(z -> s*s*2w), convT(2w -> w), convT(w -> c). */
export function generatorLayers(s: DcganShape): Layer[] {
  const n = s.batch;
  const q = s.imageSize / 4; // 7: two stride-2 steps
  const h = s.imageSize / 2;
  const w2 = 2 * s.baseWidth;
  return [
    { name: 'G dense', macs: n * s.latentDim * q * q * w2 },
    { name: 'G convT1', macs: n * q * q * 16 * w2 * s.baseWidth },
    { name: 'G convT2', macs: n * h * h * 16 * s.baseWidth * s.channels },
  ];
}

/** Discriminator layers, input to output: conv(c -> w), conv(w -> 2w), dense(q*q*2w -> 1). */
export function discriminatorLayers(s: DcganShape): Layer[] {
  const n = s.batch;
  const q = s.imageSize / 4;
  const h = s.imageSize / 2;
  const w2 = 2 * s.baseWidth;
  return [
    { name: 'D conv1', macs: n * h * h * 16 * s.channels * s.baseWidth },
    { name: 'D conv2', macs: n * q * q * 16 * s.baseWidth * w2 },
    { name: 'D dense', macs: n * q * q * w2 },
  ];
}

const sum = (layers: Layer[]) => layers.reduce((a, l) => a + l.macs, 0);

/** FLOP of the pieces of one step, and the total. */
export function dcganStepFlops(s: DcganShape = BENCH_SHAPE): {
  gForward: number;
  dForward: number;
  dUpdate: number;
  gUpdate: number;
  total: number;
} {
  const g = generatorLayers(s);
  const d = discriminatorLayers(s);
  const gF = 2 * sum(g);
  const dF = 2 * sum(d);
  const dFirst = 2 * (d[0]?.macs ?? 0);
  const gFirst = 2 * (g[0]?.macs ?? 0);
  // D update: G forward; per batch (real, fake): D forward + dW + dx (not the first layer)
  const dUpdate = gF + 2 * (dF + dF + (dF - dFirst));
  // G update: G forward + D forward + D dx (all layers) + G dW + G dx (not the first layer)
  const gUpdate = gF + dF + dF + gF + (gF - gFirst);
  return { gForward: gF, dForward: dF, dUpdate, gUpdate, total: dUpdate + gUpdate };
}

/** FLOP of one stride-s 'same' convolution x[n,h,w,ci] * f[k,k,ci,co] (the forward pass). */
export function convFlops(n: number, ho: number, wo: number, k: number, ci: number, co: number): number {
  return 2 * n * ho * wo * k * k * ci * co;
}
