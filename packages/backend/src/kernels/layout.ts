import type {
  DepthToSpaceAttrs,
  KernelBackend,
  LeakyReluAttrs,
  TensorInfo,
  TileAttrs,
} from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  type KernelImpl,
  type NumericArray,
  requireInput,
  runCopier,
  stridesOf,
  withScope,
} from './kernel-scope.js';

const NUMERIC = new Set(['float32', 'int32', 'bool']);

/**
 * Merges neighbouring axes that tile alike (both not repeated, or both of size 1), which
 * leaves the same copy with fewer, longer runs.
 */
function mergeAxes(shape: readonly number[], reps: readonly number[]): { shape: number[]; reps: number[] } {
  const s: number[] = [];
  const r: number[] = [];
  shape.forEach((d, i) => {
    const rep = reps[i]!;
    if (d === 1 && rep === 1) return;
    const last = s.length - 1;
    if (last >= 0 && ((rep === 1 && r[last] === 1) || (d === 1 && s[last] === 1))) {
      s[last] = s[last]! * d;
      r[last] = r[last]! * rep;
    } else {
      s.push(d);
      r.push(rep);
    }
  });
  return s.length === 0 ? { shape: [1], reps: [1] } : { shape: s, reps: r };
}

/**
 * Writes tile(x, reps) into `out`: each axis's block is written once and then doubled in
 * place with copyWithin (memmove speed), innermost axis first.
 */
export function tileInto(
  x: NumericArray,
  xShape: readonly number[],
  xReps: readonly number[],
  out: NumericArray,
): void {
  const { shape, reps } = mergeAxes(xShape, xReps);
  const rank = shape.length;
  const xStrides = stridesOf(shape);
  const outStrides = stridesOf(shape.map((d, i) => d * reps[i]!));
  const copy = runCopier(x, out);
  const fill = (axis: number, xOff: number, outOff: number): void => {
    const d = shape[axis]!;
    if (axis === rank - 1) copy(xOff, outOff, d);
    else
      for (let i = 0; i < d; i++) fill(axis + 1, xOff + i * xStrides[axis]!, outOff + i * outStrides[axis]!);
    const block = d * outStrides[axis]!;
    const total = block * reps[axis]!;
    for (let done = block; done < total; ) {
      const n = Math.min(done, total - done);
      out.copyWithin(outOff + done, outOff, outOff + n);
      done += n;
    }
  };
  fill(0, 0, 0);
}

/**
 * Tile in JS on the backend's memory. tfjs-wasm's Tile kernel walks every output element
 * through index arithmetic (~65 ms for the 64x14x14x64 tile in batch norm's gradient).
 */
export function createTile(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('Tile', args.inputs, 'x');
    const { reps } = (args.attrs ?? {}) as unknown as TileAttrs;
    if (!NUMERIC.has(x.dtype) || !Array.isArray(reps) || reps.length !== x.shape.length) {
      return original(args);
    }
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    return withScope(args.backend, backendName, (scope) =>
      scope.output(outShape, x.dtype, (out) => {
        if (out.length > 0) tileInto(scope.view(x), x.shape, reps, out);
      }),
    );
  };
}

/**
 * DepthToSpace (NHWC) in JS: for each input pixel and block row, one contiguous run of
 * blockSize * C/blockSize^2 values moves. tfjs-wasm's kernel computes strides per element.
 */
export function createDepthToSpace(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('DepthToSpace', args.inputs, 'x');
    const { blockSize: bs, dataFormat } = (args.attrs ?? {}) as unknown as DepthToSpaceAttrs;
    if (
      (dataFormat !== undefined && dataFormat !== 'NHWC') ||
      !NUMERIC.has(x.dtype) ||
      x.shape.length !== 4 ||
      !Number.isInteger(bs) ||
      bs < 1 ||
      x.shape[3]! % (bs * bs) !== 0
    ) {
      return original(args);
    }
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const cOut = c / (bs * bs);
    const run = bs * cOut;
    return withScope(args.backend, backendName, (scope) =>
      scope.output([n, h * bs, w * bs, cOut], x.dtype, (out) => {
        const copy = runCopier(scope.view(x), out);
        let to = 0;
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < h; r++) {
            const rowBase = (b * h + r) * w * c;
            for (let i = 0; i < bs; i++) {
              for (let col = 0; col < w; col++) {
                copy(rowBase + col * c + i * run, to, run);
                to += run;
              }
            }
          }
        }
      }),
    );
  };
}

/**
 * Identity that shares the input's memory (as the cpu backend does) instead of copying it.
 * Besides the copy this saves, tfjs' IS_TEST leak check counts the copy that wasm's
 * Identity makes when customGrad saves tensors as a leak, so training a dense layer on wasm
 * throws under IS_TEST (as in gankit's test setup) without it.
 */
export function createSharedIdentity(original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('Identity', args.inputs, 'x');
    if (!NUMERIC.has(x.dtype)) return original(args);
    (args.backend as KernelBackend).incRef(x.dataId);
    const out: TensorInfo = { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
    return out;
  };
}

/**
 * LeakyRelu as the backend's Prelu with the slope repeated per channel: tfjs-wasm's own
 * LeakyRelu is a plain loop (~4.5 ms for 64x14x14x64), its Prelu goes to XNNPACK (~0.15 ms).
 */
export function createLeakyReluViaPrelu(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('LeakyRelu', args.inputs, 'x');
    const { alpha } = (args.attrs ?? {}) as unknown as LeakyReluAttrs;
    const channels = x.shape[x.shape.length - 1] ?? 0;
    if (x.dtype !== 'float32' || x.shape.length === 0 || channels === 0 || typeof alpha !== 'number') {
      return original(args);
    }
    return withScope(args.backend, backendName, (scope) => {
      const slopes = scope.output([channels], 'float32', (out) => out.fill(alpha));
      return scope.run('Prelu', { x, alpha: slopes });
    });
  };
}
