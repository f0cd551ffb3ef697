import type { MeanAttrs, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { type KernelArgs, type KernelImpl, requireInput, sizeOf, withScope } from './kernel-scope.js';

// Below this many values the backend's own reduction is as fast as anything.
const MIN_SIZE = 4096;

/**
 * Sum or Mean over leading axes (batch, height, width: bias and batch-norm gradients, batch
 * statistics) as one call of a fast kernel of the backend, on x seen as [M, C]:
 * - wasm: AvgPool with an M x 1 window over x as [1, M, 1, C] (XNNPACK; ~0.15 ms for
 *   64x14x14x64 where tfjs-wasm's Sum transposes and then reduces in ~2 ms), times M for a sum.
 *   (Not a ones-vector product: XNNPACK packs the product's right operand, all of x, on every
 *   call, which costs more than the reduction.)
 * - cpu: the product ones[1, M] @ x[M, C] on its BatchMatMul (~2.5 ms there; its Sum ~95 ms).
 * Other axes, small or non-float32 tensors go to `original`.
 */
export function createLeadingAxesReduction(
  kernelName: 'Sum' | 'Mean',
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput(kernelName, args.inputs, 'x');
    const { axis, keepDims } = (args.attrs ?? {}) as unknown as SumAttrs | MeanAttrs;
    if (x.dtype !== 'float32' || x.shape.length < 2 || sizeOf(x.shape) < MIN_SIZE) return original(args);
    const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    const k = axes.length;
    if (k === 0 || k >= x.shape.length || axes.some((a, i) => a !== i)) return original(args);
    const rows = sizeOf(x.shape.slice(0, k));
    const rest = x.shape.slice(k);
    const cols = sizeOf(rest);
    const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest;
    return withScope(args.backend, backendName, (scope) => {
      let reduced: TensorInfo;
      if (backendName === 'wasm') {
        const x4 = scope.run('Reshape', { x }, { shape: [1, rows, 1, cols] });
        reduced = scope.run('AvgPool', { x: x4 }, { filterSize: [rows, 1], strides: [1, 1], pad: 'valid' });
        if (kernelName === 'Sum') {
          const count = scope.fromValues([], 'float32', new Float32Array([rows]));
          reduced = scope.run('Multiply', { a: reduced, b: count });
        }
      } else {
        const weight = kernelName === 'Mean' ? 1 / rows : 1;
        const ones = scope.output([1, 1, rows], 'float32', (out) => out.fill(weight));
        const x3 = scope.run('Reshape', { x }, { shape: [1, rows, cols] });
        reduced = scope.run('BatchMatMul', { a: ones, b: x3 }, { transposeA: false, transposeB: false });
      }
      return scope.run('Reshape', { x: reduced }, { shape: outShape });
    });
  };
}
