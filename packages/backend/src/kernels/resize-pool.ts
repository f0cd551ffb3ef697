import type {
  AvgPoolGradAttrs,
  MaxPoolGradAttrs,
  ResizeBilinearGradAttrs,
  ResizeNearestNeighborAttrs,
  ResizeNearestNeighborGradAttrs,
} from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  type KernelImpl,
  type NumericArray,
  requireInput,
  runCopier,
  withScope,
} from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/** Source index of every output index of a nearest-neighbour resize, as tfjs computes it. */
export function nearestSource(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const corners = alignCorners && outSize > 1;
  const ratio = (corners ? inSize - 1 : inSize) / (corners ? outSize - 1 : outSize);
  const map = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    const src = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    map[i] = halfPixelCenters ? Math.max(0, src) : src;
  }
  return map;
}

/** Whether `map` sends output i to floor(i / f) for an integer f (an integer upsampling). */
function isBlockMap(map: Int32Array, f: number): boolean {
  if (!Number.isInteger(f)) return false;
  for (let i = 0; i < map.length; i++) if (map[i] !== Math.floor(i / f)) return false;
  return true;
}

/**
 * out[b, r, col, :] = scale * x[b, rows[r], cols[col], :]. An output row equal to the previous
 * one (integer upsampling) is one memmove; so is a pixel equal to its left neighbour.
 */
function gatherPixels(
  x: NumericArray,
  [n, h, w, c]: Shape4,
  rows: Int32Array,
  cols: Int32Array,
  scale: number,
  out: NumericArray,
): void {
  const outH = rows.length;
  const outW = cols.length;
  const rowLen = outW * c;
  const copy = runCopier(x, out);
  let to = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < outH; r++) {
      if (r > 0 && rows[r] === rows[r - 1]) {
        out.copyWithin(to, to - rowLen, to);
        to += rowLen;
        continue;
      }
      const rowBase = (b * h + rows[r]!) * w;
      for (let col = 0; col < outW; col++) {
        if (col > 0 && cols[col] === cols[col - 1]) {
          if (c >= 16) out.copyWithin(to, to - c, to);
          else for (let k = 0; k < c; k++) out[to + k] = out[to - c + k]!;
        } else {
          const from = (rowBase + cols[col]!) * c;
          if (scale === 1) copy(from, to, c);
          else for (let k = 0; k < c; k++) out[to + k] = x[from + k]! * scale;
        }
        to += c;
      }
    }
  }
}

/**
 * ResizeNearestNeighbor (upSampling2d 'nearest') as a gather of whole pixels (runs of C
 * values). tfjs-wasm's kernel is a per-value loop (~4 ms for 64x14x14x64 -> 28x28).
 */
export function createResizeNearestNeighbor(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const images = requireInput('ResizeNearestNeighbor', args.inputs, 'images');
    const attrs = (args.attrs ?? {}) as unknown as ResizeNearestNeighborAttrs;
    if (images.dtype !== 'float32' || images.shape.length !== 4) return original(args);
    const [n, h, w, c] = images.shape as Shape4;
    const [outH, outW] = attrs.size;
    const rows = nearestSource(h, outH, attrs.alignCorners, attrs.halfPixelCenters);
    const cols = nearestSource(w, outW, attrs.alignCorners, attrs.halfPixelCenters);
    return withScope(args.backend, backendName, (scope) =>
      scope.output([n, outH, outW, c], 'float32', (out) =>
        gatherPixels(scope.viewF32(images), [n, h, w, c], rows, cols, 1, out),
      ),
    );
  };
}

/**
 * ResizeNearestNeighborGrad as the adjoint of the forward gather: each dy pixel is added to the
 * pixel it was copied from (halfPixelCenters and alignCorners as in the forward op). For
 * integer upsampling that is the backend's average pooling times the block area. tfjs-wasm's
 * kernel searches a window of dy for every input value (~22 ms for 28x28 -> 14x14 x64
 * channels, batch 64); the cpu backend's misses contributions (it fails the adjoint identity
 * even for 2x upsampling, and returns NaN when downsampling).
 */
export function createResizeNearestNeighborGrad(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const images = requireInput('ResizeNearestNeighborGrad', args.inputs, 'images');
    const dy = requireInput('ResizeNearestNeighborGrad', args.inputs, 'dy');
    const attrs = (args.attrs ?? {}) as unknown as ResizeNearestNeighborGradAttrs &
      Partial<ResizeNearestNeighborAttrs>;
    if (dy.dtype !== 'float32' || images.shape.length !== 4 || dy.shape.length !== 4) return original(args);
    const halfPixelCenters = attrs.halfPixelCenters === true;
    const [n, h, w, c] = images.shape as Shape4;
    const [, outH, outW] = dy.shape as Shape4;
    const rows = nearestSource(h, outH, attrs.alignCorners, halfPixelCenters);
    const cols = nearestSource(w, outW, attrs.alignCorners, halfPixelCenters);
    const fh = outH / h;
    const fw = outW / w;
    if (isBlockMap(rows, fh) && isBlockMap(cols, fw)) {
      // Integer upsampling: each input pixel got an fh x fw block, so dx is the block sums:
      // the backend's average pooling (XNNPACK on wasm) times the block area.
      return withScope(args.backend, backendName, (scope) => {
        const mean = scope.run(
          'AvgPool',
          { x: dy },
          { filterSize: [fh, fw], strides: [fh, fw], pad: 'valid' },
        );
        if (fh * fw === 1) return mean;
        const area = scope.fromValues([], 'float32', new Float32Array([fh * fw]));
        return scope.run('Multiply', { a: mean, b: area });
      });
    }
    return withScope(args.backend, backendName, (scope) =>
      scope.output([n, h, w, c], 'float32', (dx) => {
        dx.fill(0);
        const g = scope.view(dy);
        let from = 0;
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < outH; r++) {
            const rowBase = (b * h + rows[r]!) * w;
            for (let col = 0; col < outW; col++) {
              const to = (rowBase + cols[col]!) * c;
              for (let k = 0; k < c; k++) dx[to + k]! += g[from + k]!;
              from += c;
            }
          }
        }
      }),
    );
  };
}

/** Per output index of a bilinear resize: the two source indices and the weight of the second. */
export function bilinearSource(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const corners = alignCorners && outSize > 1;
  const ratio = (corners ? inSize - 1 : inSize) / (corners ? outSize - 1 : outSize);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    // the forward kernel's arithmetic, to the letter
    const src = halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i;
    lo[i] = Math.max(0, Math.floor(src));
    hi[i] = Math.min(inSize - 1, Math.ceil(src));
    frac[i] = src - lo[i]!;
  }
  return { lo, hi, frac };
}

/**
 * ResizeBilinearGrad as the adjoint of the forward interpolation: each dy value goes to its
 * four source pixels with the forward weights. The cpu backend's kernel returns a gradient of
 * the wrong shape ([N,W,H,C]) whenever the image is not square, so tf.grad throws.
 */
export function createResizeBilinearGrad(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const images = requireInput('ResizeBilinearGrad', args.inputs, 'images');
    const dy = requireInput('ResizeBilinearGrad', args.inputs, 'dy');
    const attrs = (args.attrs ?? {}) as unknown as ResizeBilinearGradAttrs;
    if (dy.dtype !== 'float32' || images.shape.length !== 4 || dy.shape.length !== 4) return original(args);
    const [n, h, w, c] = images.shape as Shape4;
    const [, outH, outW] = dy.shape as Shape4;
    const rows = bilinearSource(h, outH, attrs.alignCorners, attrs.halfPixelCenters);
    const cols = bilinearSource(w, outW, attrs.alignCorners, attrs.halfPixelCenters);
    return withScope(args.backend, backendName, (scope) =>
      scope.output([n, h, w, c], 'float32', (dx) => {
        dx.fill(0);
        const g = scope.view(dy);
        let from = 0;
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < outH; r++) {
            const rf = rows.frac[r]!;
            const top = (b * h + rows.lo[r]!) * w;
            const bottom = (b * h + rows.hi[r]!) * w;
            for (let col = 0; col < outW; col++, from += c) {
              const cf = cols.frac[col]!;
              const tl = (top + cols.lo[col]!) * c;
              const tr = (top + cols.hi[col]!) * c;
              const bl = (bottom + cols.lo[col]!) * c;
              const br = (bottom + cols.hi[col]!) * c;
              const wtl = (1 - rf) * (1 - cf);
              const wtr = (1 - rf) * cf;
              const wbl = rf * (1 - cf);
              const wbr = rf * cf;
              for (let k = 0; k < c; k++) {
                const v = g[from + k]!;
                dx[tl + k]! += v * wtl;
                dx[tr + k]! += v * wtr;
                dx[bl + k]! += v * wbl;
                dx[br + k]! += v * wbr;
              }
            }
          }
        }
      }),
    );
  };
}

/**
 * AvgPoolGrad for windows that tile the input (stride = filter size, no padding: the usual
 * 2x2 downsampling) as dy upsampled by copying, times 1 / filter area. tfjs-wasm's kernel
 * gathers per input value (~24 ms for 2x2 pooling of 64x28x28x64, this ~2 ms). Overlapping or
 * padded windows go to `original` (a scatter in JS is no faster there).
 */
export function createAvgPoolGrad(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const dy = requireInput('AvgPoolGrad', args.inputs, 'dy');
    const input = requireInput('AvgPoolGrad', args.inputs, 'input');
    const attrs = (args.attrs ?? {}) as unknown as AvgPoolGradAttrs;
    if (dy.dtype !== 'float32' || input.shape.length !== 4) return original(args);
    const info = backend_util.computePool2DInfo(
      input.shape as Shape4,
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
    );
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight, outWidth } = info;
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const { top, bottom, left, right } = info.padInfo;
    const tiles = sh === fh && sw === fw && h === outHeight * fh && w === outWidth * fw;
    if (!tiles || top + bottom + left + right !== 0) return original(args);
    const rows = Int32Array.from({ length: h }, (_, i) => Math.floor(i / fh));
    const cols = Int32Array.from({ length: w }, (_, i) => Math.floor(i / fw));
    return withScope(args.backend, backendName, (scope) =>
      scope.output([n, h, w, c], 'float32', (dx) =>
        gatherPixels(scope.viewF32(dy), [n, outHeight, outWidth, c], rows, cols, 1 / (fh * fw), dx),
      ),
    );
  };
}

/**
 * MaxPoolGrad: each dy value goes to the first maximum of its window (the cpu kernel's rule).
 * tfjs-wasm's kernel is wrong whenever there is more than one channel, so gradients through
 * max pooling (VGG feature extractors for perceptual losses) come out wrong on wasm.
 */
export function createMaxPoolGrad(backendName: string, original: KernelImpl): KernelImpl {
  return (args: KernelArgs) => {
    const dy = requireInput('MaxPoolGrad', args.inputs, 'dy');
    const input = requireInput('MaxPoolGrad', args.inputs, 'input');
    const attrs = (args.attrs ?? {}) as unknown as MaxPoolGradAttrs;
    if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4)
      return original(args);
    const info = backend_util.computePool2DInfo(
      input.shape as Shape4,
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight, outWidth } = info;
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    return withScope(args.backend, backendName, (scope) =>
      scope.output([n, h, w, c], 'float32', (dx) => {
        dx.fill(0);
        const x = scope.view(input);
        const g = scope.view(dy);
        const best = new Float32Array(c);
        const at = new Int32Array(c);
        let from = 0;
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < outHeight; r++) {
            for (let col = 0; col < outWidth; col++, from += c) {
              best.fill(Number.NEGATIVE_INFINITY);
              at.fill(-1);
              for (let a = 0; a < fh; a++) {
                const y = r * sh + a - top;
                if (y < 0 || y >= h) continue;
                for (let k = 0; k < fw; k++) {
                  const xc = col * sw + k - left;
                  if (xc < 0 || xc >= w) continue;
                  const base = ((b * h + y) * w + xc) * c;
                  for (let ch = 0; ch < c; ch++) {
                    const v = x[base + ch]!;
                    if (v > best[ch]!) {
                      best[ch] = v;
                      at[ch] = base + ch;
                    }
                  }
                }
              }
              for (let ch = 0; ch < c; ch++) if (at[ch]! >= 0) dx[at[ch]!]! += g[from + ch]!;
            }
          }
        }
      }),
    );
  };
}
