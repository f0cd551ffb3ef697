import type { BatchMatMulAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  type KernelImpl,
  type KernelScope,
  requireInput,
  withScope,
} from './kernel-scope.js';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/**
 * tfjs-wasm caches the XNNPACK operator of a product (with `b` packed into it) under b's
 * tensor id alone: the same data reshaped to another shape (a reshape shares the id) gets the
 * stale operator and a wrong result. Remember each b's shape; a b seen with another shape is
 * copied to a fresh tensor first.
 */
const shapeOfB = new WeakMap<object, string>();

function freshIfReshaped(scope: KernelScope, b: TensorInfo): TensorInfo {
  const key = b.shape.join(',');
  const seen = shapeOfB.get(b.dataId);
  if (seen === undefined) shapeOfB.set(b.dataId, key);
  if (seen === undefined || seen === key) return b;
  return scope.output(b.shape, 'float32', (out) => out.set(scope.view(b)));
}

/**
 * BatchMatMul that materialises transposed operands and then runs `original` without
 * transpose flags. tfjs-wasm sends only the flag-free product to XNNPACK (~33 GFLOP/s on our
 * machines); with transposeA or transposeB, which every dense layer's gradient uses, it runs a
 * loop at ~1.7 GFLOP/s. A transpose costs one pass over the operand. Also guards against
 * tfjs-wasm's operator cache (see `shapeOfB`).
 */
export function createBatchMatMul(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const attrs = (args.attrs ?? {}) as unknown as BatchMatMulAttrs;
    const a = requireInput('BatchMatMul', args.inputs, 'a');
    const b = requireInput('BatchMatMul', args.inputs, 'b');
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
      return original(args);
    }
    return withScope(args.backend, backendName, (scope) => {
      const a2 = attrs.transposeA
        ? scope.run('Transpose', { x: a }, { perm: swapLastTwo(a.shape.length) })
        : a;
      const b2 = attrs.transposeB
        ? scope.run('Transpose', { x: b }, { perm: swapLastTwo(b.shape.length) })
        : freshIfReshaped(scope, b);
      return scope.call(original, { a: a2, b: b2 }, { transposeA: false, transposeB: false });
    });
  };
}
