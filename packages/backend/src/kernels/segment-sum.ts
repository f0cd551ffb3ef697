import { GanError } from '@gankit/core';
import type { UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { type KernelArgs, type KernelImpl, requireInput, sizeOf, withScope } from './kernel-scope.js';

/**
 * UnsortedSegmentSum, which tfjs-wasm lacks; it is the gradient of gather, so an embedding
 * (a conditional GAN's label input) cannot train on wasm without it. Same semantics as the
 * cpu kernel: out[s, ...] = sum of x[i, ...] over leading positions i with segmentIds[i] = s;
 * ids outside [0, numSegments) are dropped.
 */
export function createUnsortedSegmentSum(backendName: string, original: KernelImpl | undefined): KernelImpl {
  const kernel = 'UnsortedSegmentSum';
  return (args: KernelArgs) => {
    const x = requireInput(kernel, args.inputs, 'x');
    const ids = requireInput(kernel, args.inputs, 'segmentIds');
    const { numSegments } = (args.attrs ?? {}) as unknown as UnsortedSegmentSumAttrs;
    if (x.dtype !== 'float32' || ids.dtype !== 'int32') {
      if (original) return original(args);
      throw new GanError(
        'UNSUPPORTED',
        `${kernel}: x must be float32 and segmentIds int32, got ${x.dtype} and ${ids.dtype}`,
      );
    }
    const lead = ids.shape.length;
    if (lead > x.shape.length || ids.shape.some((d, i) => d !== x.shape[i])) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${kernel}: segmentIds shape [${ids.shape.join(', ')}] must be a prefix of x's [${x.shape.join(', ')}]`,
      );
    }
    if (!Number.isInteger(numSegments) || numSegments < 0) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${kernel}: numSegments must be an integer >= 0, got ${String(numSegments)}`,
      );
    }
    const inner = sizeOf(x.shape.slice(lead));
    const outer = sizeOf(ids.shape);
    return withScope(args.backend, backendName, (scope) =>
      scope.output([numSegments, ...x.shape.slice(lead)], 'float32', (out) => {
        out.fill(0);
        const src = scope.view(x);
        const seg = scope.view(ids);
        for (let i = 0; i < outer; i++) {
          const s = seg[i]!;
          if (s < 0 || s >= numSegments) continue;
          const from = i * inner;
          const to = s * inner;
          for (let k = 0; k < inner; k++) out[to + k]! += src[from + k]!;
        }
      }),
    );
  };
}
