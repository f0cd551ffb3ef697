/**
 * Counts the FLOP of one training step by running it under `tf.profile` and summing, over the
 * kernels it recorded, the multiply-adds (x2) of the convolutions and matrix products. One
 * multiply-add = 2 FLOP, as in bench/flops.ts, whose analytic DCGAN count this agrees with.
 *
 * Only these kernels are counted: Conv2D, FusedConv2D, Conv2DBackpropInput (also the forward pass
 * of a transposed convolution), Conv2DBackpropFilter, DepthwiseConv2dNative, FusedDepthwiseConv2D,
 * DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter, BatchMatMul and
 * _FusedMatMul. Elementwise kernels (activations, batch norm, adds, Adam's updates, the losses),
 * reductions, pooling, resizes and data movement are ignored: they are a few percent of a
 * convolutional step's FLOP at most, and their cost is memory traffic rather than arithmetic.
 *
 * tfjs-core 4.22's kernel records carry the kernel's name, its inputs' shapes (in the order of
 * the kernel's named inputs) and its outputs' shapes, but not its attributes (strides, padding,
 * dilations, transposes). None are needed: the output (or, for the gradients, the `dy` input)
 * fixes the positions computed, and the filter's shape the multiply-adds per position.
 */
import { tf } from './tf.js';

type KernelRecord = Awaited<ReturnType<typeof tf.profile>>['kernels'][number];
type Shape = readonly number[];

const size = (s: Shape | null | undefined): number => (s ? s.reduce((a, b) => a * b, 1) : 0);

/**
 * Multiply-adds of one kernel call, from its recorded shapes; 0 for kernels not counted.
 * Inputs are in the order of the kernel's named inputs:
 * - Conv2D / FusedConv2D `{x, filter, (bias, preluActivationWeights)}`, filter [kh, kw, ci, co]:
 *   every output element takes kh * kw * ci multiply-adds.
 * - Conv2DBackpropInput `{dy, filter}`: every element of dy (the low-resolution side) spreads
 *   over kh * kw * ci inputs; the same count as the convolution it transposes.
 * - Conv2DBackpropFilter `{x, dy}`, output [kh, kw, ci, co]: every dy element meets kh * kw * ci
 *   inputs.
 * - DepthwiseConv2dNative / FusedDepthwiseConv2D `{x, filter}`, filter [kh, kw, ci, mult]:
 *   kh * kw per output element; the two gradients likewise per dy element.
 * - BatchMatMul / _FusedMatMul `{a, b, (bias, preluActivationWeights)}`, output [..., m, n]:
 *   k = the product of a's last two dimensions / m (whether or not a is transposed).
 */
export function kernelMacs(
  name: string,
  inputShapes: readonly (Shape | null)[],
  outputShapes: readonly Shape[],
) {
  const in0 = inputShapes[0] ?? null;
  const in1 = inputShapes[1] ?? null;
  const out = outputShapes[0] ?? null;
  if (!out) return 0;
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D':
      return in1 && in1.length === 4 ? size(out) * in1[0]! * in1[1]! * in1[2]! : 0;
    case 'Conv2DBackpropInput':
      return in0 && in1 && in1.length === 4 ? size(in0) * in1[0]! * in1[1]! * in1[2]! : 0;
    case 'Conv2DBackpropFilter':
      return in1 && out.length === 4 ? size(in1) * out[0]! * out[1]! * out[2]! : 0;
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D':
      return in1 && in1.length === 4 ? size(out) * in1[0]! * in1[1]! : 0;
    case 'DepthwiseConv2dNativeBackpropInput':
      return in0 && in1 && in1.length === 4 ? size(in0) * in1[0]! * in1[1]! : 0;
    case 'DepthwiseConv2dNativeBackpropFilter':
      return in1 && out.length === 4 ? size(in1) * out[0]! * out[1]! : 0;
    case 'BatchMatMul':
    case '_FusedMatMul': {
      if (!in0 || in0.length < 2 || out.length < 2) return 0;
      const m = out[out.length - 2]!;
      const k = (in0[in0.length - 1]! * in0[in0.length - 2]!) / Math.max(m, 1);
      return size(out) * k;
    }
    default:
      return 0;
  }
}

/** FLOP (2 x multiply-adds) of the recorded kernels, and per kernel name. */
export function flopsOfKernels(kernels: readonly KernelRecord[]): {
  total: number;
  byKernel: Record<string, number>;
} {
  const byKernel: Record<string, number> = {};
  let total = 0;
  for (const k of kernels) {
    const f = 2 * kernelMacs(k.name, k.inputShapes as (Shape | null)[], k.outputShapes as Shape[]);
    if (f === 0) continue;
    byKernel[k.name] = (byKernel[k.name] ?? 0) + f;
    total += f;
  }
  return { total, byKernel };
}

/**
 * Runs `run` (one training step, which should read its results back) once under `tf.profile`
 * and returns the FLOP of its convolutions and matrix products (see the file's comment).
 * Profiling reads every kernel's output back as it runs: time nothing in this call.
 */
export async function countStepFlops(run: () => unknown): Promise<number> {
  return (await profileStepFlops(run)).total;
}

/** As {@link countStepFlops}, with the FLOP per kernel name as well. */
export async function profileStepFlops(
  run: () => unknown,
): Promise<{ total: number; byKernel: Record<string, number> }> {
  // (off by default unless DEBUG) profiling would also read every float output back to look
  // for NaNs: not needed here
  const env = tf.env();
  const check = env.getBool('CHECK_COMPUTATION_FOR_ERRORS');
  env.set('CHECK_COMPUTATION_FOR_ERRORS', false);
  try {
    const info = await tf.profile(async () => {
      await run();
      return undefined;
    });
    return flopsOfKernels(info.kernels);
  } finally {
    env.set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}
