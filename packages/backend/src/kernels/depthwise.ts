import { GanError } from '@gankit/core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { type KernelArgs, type KernelImpl, requireInput, shape4, withScope } from './kernel-scope.js';

// Depthwise convolutions: tfjs-wasm has no gradient kernels for them. No gankit architecture
// uses depthwise layers yet, so these are plain JS loops (about 1 GMAC/s): correct everywhere,
// fast enough for small models, and no match for the conv kernels' XNNPACK paths.

function depthwiseInfo(
  kernel: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs | DepthwiseConv2dNativeBackpropInputAttrs,
): backend_util.Conv2DInfo {
  const x4 = shape4(kernel, 'x', xShape);
  const f4 = shape4(kernel, 'filter', filterShape);
  if (f4[2] !== x4[3]) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${kernel}: filter channels (${f4[2]}) must match the input's (${x4[3]})`,
    );
  }
  return backend_util.computeConv2DInfo(
    x4,
    f4,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
}

function checkDy(kernel: string, dy: TensorInfo, info: backend_util.Conv2DInfo): void {
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${kernel}: dy must have shape [${expected.join(', ')}], got [${dy.shape.join(', ')}]`,
    );
  }
}

/**
 * DepthwiseConv2dNativeBackpropFilter (missing in tfjs-wasm):
 *   dW[a,b,c,m] = sum over n,r,q of x[n, r*sh + a*dh - top, q*sw + b*dw - left, c] * dy[n,r,q,c*M+m]
 * accumulated in float64.
 */
export function createDepthwiseBackpropFilter(
  backendName: string,
  original: KernelImpl | undefined,
): KernelImpl {
  const kernel = 'DepthwiseConv2dNativeBackpropFilter';
  return (args: KernelArgs) => {
    const x = requireInput(kernel, args.inputs, 'x');
    const dy = requireInput(kernel, args.inputs, 'dy');
    const attrs = (args.attrs ?? {}) as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
      if (original) return original(args);
      throw new GanError('UNSUPPORTED', `${kernel}: only float32 is supported, got ${x.dtype}/${dy.dtype}`);
    }
    const info = depthwiseInfo(kernel, x.shape, attrs.filterShape, attrs);
    checkDy(kernel, dy, info);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { dilationHeight: dh, dilationWidth: dw, outChannels: cm } = info;
    const m = cm / c;
    const { top, left } = info.padInfo;
    return withScope(args.backend, backendName, (scope) =>
      scope.output([kh, kw, c, m], 'float32', (out) => {
        const xs = scope.view(x);
        const g = scope.view(dy);
        const acc = new Float64Array(kh * kw * cm);
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < ho; r++) {
            for (let q = 0; q < wo; q++) {
              const gBase = ((b * ho + r) * wo + q) * cm;
              for (let a = 0; a < kh; a++) {
                const y = r * sh + a * dh - top;
                if (y < 0 || y >= h) continue;
                for (let k = 0; k < kw; k++) {
                  const xc = q * sw + k * dw - left;
                  if (xc < 0 || xc >= w) continue;
                  const xBase = ((b * h + y) * w + xc) * c;
                  const wBase = (a * kw + k) * cm;
                  for (let ch = 0; ch < c; ch++) {
                    const v = xs[xBase + ch]!;
                    for (let j = 0; j < m; j++) acc[wBase + ch * m + j]! += v * g[gBase + ch * m + j]!;
                  }
                }
              }
            }
          }
        }
        out.set(acc);
      }),
    );
  };
}

/**
 * DepthwiseConv2dNativeBackpropInput (missing in tfjs-wasm): each dy pixel scatters
 * sum over m of dy[n,r,q,c*M+m] * W[a,b,c,m] to x[n, r*sh + a*dh - top, q*sw + b*dw - left, c].
 */
export function createDepthwiseBackpropInput(
  backendName: string,
  original: KernelImpl | undefined,
): KernelImpl {
  const kernel = 'DepthwiseConv2dNativeBackpropInput';
  return (args: KernelArgs) => {
    const dy = requireInput(kernel, args.inputs, 'dy');
    const filter = requireInput(kernel, args.inputs, 'filter');
    const attrs = (args.attrs ?? {}) as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    if (dy.dtype !== 'float32' || filter.dtype !== 'float32') {
      if (original) return original(args);
      throw new GanError(
        'UNSUPPORTED',
        `${kernel}: only float32 is supported, got ${dy.dtype}/${filter.dtype}`,
      );
    }
    const info = depthwiseInfo(kernel, attrs.inputShape, filter.shape, attrs);
    checkDy(kernel, dy, info);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { dilationHeight: dh, dilationWidth: dw, outChannels: cm } = info;
    const m = cm / c;
    const { top, left } = info.padInfo;
    return withScope(args.backend, backendName, (scope) =>
      scope.output([n, h, w, c], 'float32', (dx) => {
        dx.fill(0);
        const g = scope.view(dy);
        const f = scope.view(filter);
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < ho; r++) {
            for (let q = 0; q < wo; q++) {
              const gBase = ((b * ho + r) * wo + q) * cm;
              for (let a = 0; a < kh; a++) {
                const y = r * sh + a * dh - top;
                if (y < 0 || y >= h) continue;
                for (let k = 0; k < kw; k++) {
                  const xc = q * sw + k * dw - left;
                  if (xc < 0 || xc >= w) continue;
                  const xBase = ((b * h + y) * w + xc) * c;
                  const wBase = (a * kw + k) * cm;
                  for (let ch = 0; ch < c; ch++) {
                    let s = 0;
                    for (let j = 0; j < m; j++) s += g[gBase + ch * m + j]! * f[wBase + ch * m + j]!;
                    dx[xBase + ch]! += s;
                  }
                }
              }
            }
          }
        }
      }),
    );
  };
}
