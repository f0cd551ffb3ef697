import type { SliceAttrs, SplitVAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, slice_util, util } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  type KernelImpl,
  type KernelScope,
  type NumericArray,
  requireInput,
  runCopier,
  sizeOf,
  stridesOf,
  withScope,
} from './kernel-scope.js';

const NUMERIC = new Set(['float32', 'int32', 'bool']);

/**
 * Copies the box `begin`/`size` of a row-major tensor into `dst` (packed). Trailing axes the
 * box spans fully merge into one contiguous run per remaining index.
 */
export function copyBox(
  src: NumericArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: NumericArray,
): void {
  const rank = shape.length;
  const strides = stridesOf(shape);
  // k: the innermost axis the box does not span fully; everything after it is one run.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const run = size[k]! * strides[k]!;
  const copy = runCopier(src, dst);
  let to = 0;
  const walk = (axis: number, from: number): void => {
    if (axis === k) {
      copy(from + begin[k]! * strides[k]!, to, run);
      to += run;
      return;
    }
    const stride = strides[axis]!;
    const end = begin[axis]! + size[axis]!;
    for (let i = begin[axis]!; i < end; i++) walk(axis + 1, from + i * stride);
  };
  if (sizeOf(size) > 0) walk(0, 0);
}

function sliceOut(scope: KernelScope, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return scope.output(size, x.dtype, (out) => copyBox(scope.view(x), x.shape, begin, size, out));
}

/**
 * Slice that reads the input in place. tfjs-wasm's Slice first copies the WHOLE input out of
 * the heap (readSync) for every slice, which costs little alone but loads the JS garbage
 * collector: medians of 10-20 ms for a 3 MB tensor in a training step.
 */
export function createSlice(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('Slice', args.inputs, 'x');
    const { begin, size } = (args.attrs ?? {}) as unknown as SliceAttrs;
    if (!NUMERIC.has(x.dtype) || x.shape.length === 0) return original(args);
    const [b, s] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    slice_util.assertParamsValid(x, b, s);
    return withScope(args.backend, backendName, (scope) => sliceOut(scope, x, b, s));
  };
}

/**
 * SplitV (the gradient of concat: U-Net skips, conditional inputs) on the in-place slice above;
 * tfjs-wasm's calls its own Slice, with a full copy of the input per output.
 */
export function createSplitV(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('SplitV', args.inputs, 'x');
    const { numOrSizeSplits, axis } = (args.attrs ?? {}) as unknown as SplitVAttrs;
    if (!NUMERIC.has(x.dtype) || x.shape.length === 0) return original(args);
    const ax = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
    return withScope(args.backend, backendName, (scope) => {
      const begin = x.shape.map(() => 0);
      return sizes.map((n) => {
        const size = x.shape.slice();
        size[ax] = n;
        const part = sliceOut(scope, x, begin.slice(), size);
        begin[ax]! += n;
        return part;
      });
    });
  };
}

/**
 * Concat that reads its inputs in place and copies each input's run per outer index.
 * tfjs-wasm's copies every input out of the heap and then writes one `set` per outer index and
 * input, which for channel concats of small inputs ([64, 32, 32, 1] noise planes beside images:
 * conditional and LAPGAN networks) costs ~10 ms a call.
 */
export function createConcat(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const inputs = Object.values(args.inputs) as TensorInfo[];
    const { axis } = (args.attrs ?? {}) as unknown as { axis: number | number[] };
    const first = inputs[0];
    if (
      !first ||
      first.shape.length === 0 ||
      inputs.some(
        (x) => x.dtype !== first.dtype || !NUMERIC.has(x.dtype) || x.shape.length !== first.shape.length,
      )
    ) {
      return original(args);
    }
    const ax = util.parseAxisParam(axis, first.shape)[0]!;
    const parts = inputs.filter((x) => sizeOf(x.shape) > 0);
    if (parts.length === 0) return original(args);
    const shape = backend_util.computeOutShape(
      parts.map((x) => x.shape),
      ax,
    );
    const outer = sizeOf(shape.slice(0, ax));
    return withScope(args.backend, backendName, (scope) =>
      scope.output(shape, first.dtype, (out) => {
        const runs = parts.map((x) => sizeOf(x.shape.slice(ax)));
        const copies = parts.map((x) => runCopier(scope.view(x), out));
        const width = runs.reduce((a, b) => a + b, 0);
        for (let o = 0; o < outer; o++) {
          let to = o * width;
          for (let i = 0; i < parts.length; i++) {
            const n = runs[i]!;
            copies[i]!(o * n, to, n);
            to += n;
          }
        }
      }),
    );
  };
}
