import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, type KernelImpl, requireInput, withScope } from '../kernels/kernel-scope.js';
import { bilinearSource, nearestSource } from '../kernels/resize-pool.js';

// gankit's kernels for tfjs-backend-webgpu 4.22. Its training kernels match the cpu backend
// (see kernels.test.ts) except the two resize gradients, which ignore halfPixelCenters: for
// Resize2D and tf.image.resize*(..., halfPixelCenters = true) they return the gradient of a
// different resize (up to 1.3 absolute error on unit inputs; bilinear even for integer
// factors). These replacements are the exact adjoint of the forward kernel, built from the
// backend's own BatchMatMul.

type Shape4 = [number, number, number, number];

/**
 * The [outSize, inSize] matrix R of a 1-D resize, y = R x, with the forward kernel's
 * arithmetic (alignCorners, halfPixelCenters): one 1 per row for nearest, two weights per
 * row for bilinear.
 */
export function interpolationMatrix(
  mode: 'nearest' | 'bilinear',
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const r = new Float32Array(outSize * inSize);
  if (mode === 'nearest') {
    const src = nearestSource(inSize, outSize, alignCorners, halfPixelCenters);
    for (let o = 0; o < outSize; o++) r[o * inSize + src[o]!] = 1;
    return r;
  }
  const { lo, hi, frac } = bilinearSource(inSize, outSize, alignCorners, halfPixelCenters);
  for (let o = 0; o < outSize; o++) {
    r[o * inSize + lo[o]!] = r[o * inSize + lo[o]!]! + (1 - frac[o]!);
    r[o * inSize + hi[o]!] = r[o * inSize + hi[o]!]! + frac[o]!;
  }
  return r;
}

/**
 * Resize{Bilinear,NearestNeighbor}Grad as the adjoint of the separable forward resize:
 * dx[n] = Ry^T dy[n] Rx, two batched matrix products (over rows, then over columns). Costs
 * (h * outH + w * outW) multiply-adds per value of dy's other axes: fine for the feature-map
 * sizes GANs resize, quadratic in the side length for large images.
 */
function createResizeGrad(mode: 'nearest' | 'bilinear', original: KernelImpl): KernelImpl {
  const name = mode === 'nearest' ? 'ResizeNearestNeighborGrad' : 'ResizeBilinearGrad';
  return (args: KernelArgs) => {
    const images = requireInput(name, args.inputs, 'images');
    const dy = requireInput(name, args.inputs, 'dy');
    if (dy.dtype !== 'float32' || images.shape.length !== 4 || dy.shape.length !== 4) return original(args);
    const attrs = (args.attrs ?? {}) as { alignCorners?: boolean; halfPixelCenters?: boolean };
    const [n, h, w, c] = images.shape as Shape4;
    const [, outH, outW] = dy.shape as Shape4;
    const ry = interpolationMatrix(
      mode,
      h,
      outH,
      attrs.alignCorners === true,
      attrs.halfPixelCenters === true,
    );
    const rx = interpolationMatrix(
      mode,
      w,
      outW,
      attrs.alignCorners === true,
      attrs.halfPixelCenters === true,
    );
    return withScope(args.backend, 'webgpu', (scope) => {
      const reshape = (x: TensorInfo, shape: number[]) => scope.run('Reshape', { x }, { shape });
      // rows: [1, outH, h]^T x [n, outH, outW*c] -> [n, h, outW*c]
      const rows = scope.run(
        'BatchMatMul',
        { a: scope.fromValues([1, outH, h], 'float32', ry), b: reshape(dy, [n, outH, outW * c]) },
        { transposeA: true, transposeB: false },
      );
      // columns: [1, outW, w]^T x [n*h, outW, c] -> [n*h, w, c]
      const cols = scope.run(
        'BatchMatMul',
        { a: scope.fromValues([1, outW, w], 'float32', rx), b: reshape(rows, [n * h, outW, c]) },
        { transposeA: true, transposeB: false },
      );
      return reshape(cols, [n, h, w, c]);
    });
  };
}

const REPLACED = ['ResizeBilinearGrad', 'ResizeNearestNeighborGrad'] as const;
const originals = new Map<string, KernelConfig>();

/**
 * Registers gankit's webgpu kernels (the two resize gradients) in place of tfjs' own; the
 * replaced kernels are kept for inputs the new ones do not handle. Idempotent.
 *
 * @returns the kernel names registered by this call (empty when already registered)
 */
export function registerWebgpuKernels(): string[] {
  const added: string[] = [];
  for (const kernelName of REPLACED) {
    if (originals.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'webgpu');
    if (!original) continue;
    const impl = createResizeGrad(
      kernelName === 'ResizeBilinearGrad' ? 'bilinear' : 'nearest',
      original.kernelFunc as unknown as KernelImpl,
    );
    tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: impl as never });
    originals.set(kernelName, original);
    added.push(kernelName);
  }
  return added;
}

/** Puts tfjs' own webgpu kernels back (tests compare against them). */
export function restoreWebgpuKernels(): void {
  for (const [kernelName, config] of originals) {
    tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel(config);
  }
  originals.clear();
}
