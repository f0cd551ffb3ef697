import { GanError } from '@gankit/core';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  type KernelImpl,
  type KernelScope,
  requireInput,
  runCopier,
  shape4,
  withScope,
} from './kernel-scope.js';

/** An NHWC shape or a [kh, kw, Ci, Co] filter shape. */
export type Shape4 = [number, number, number, number];

/** Limits of the matrix-product (im2col-style) forms of the conv gradients. */
export interface GemmLimits {
  /** Filter gradients take the matrix product when Ci*kh*kw is at most this. */
  filterRows: number;
  /** Input gradients take the matrix product when Ci*kh*kw is at most this. */
  inputRows: number;
  /** Largest cols matrix built at once (values); filter gradients go in batch chunks. */
  maxValues: number;
}

// Where the matrix-product forms beat the forward-conv forms, measured with fresh tensors
// (XNNPACK packs a product's right operand anew for each new tensor): on wasm filter
// gradients up to Ci*kh*kw = 64 and input gradients up to 32; on cpu filter gradients up to
// 256 (its own input-gradient kernel is kept). 8M values is 32 MB of cols.
const LIMITS: Record<string, GemmLimits> = {
  wasm: { filterRows: 64, inputRows: 32, maxValues: 1 << 23 },
  cpu: { filterRows: 256, inputRows: 32, maxValues: 1 << 23 },
};
let override: Partial<GemmLimits> = {};

function limitsFor(backendName: string): GemmLimits {
  return { ...(LIMITS[backendName] ?? LIMITS.wasm!), ...override };
}

/**
 * For benchmarks and tests: overrides the limits of the matrix-product forms on every backend
 * (0 rows: never, Infinity: always); `{}` restores the measured defaults. Returns the
 * previous override.
 */
export function setGemmLimits(limits: Partial<GemmLimits>): Partial<GemmLimits> {
  const previous = override;
  override = { ...limits };
  return previous;
}

type Pad = Conv2DBackpropFilterAttrs['pad'];

/** The padding of a computed conv as explicit NHWC pads, which every backend applies as given. */
export function explicitPadding(info: backend_util.Conv2DInfo): backend_util.ExplicitPadding {
  const { top, bottom, left, right } = info.padInfo;
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** Whether a conv kernel's `dataFormat` attr is NHWC (the default). */
export function isChannelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC';
}

function unsupported(kernel: string, what: string): GanError {
  return new GanError('UNSUPPORTED', `${kernel}: ${what} is not supported by gankit's training kernel`);
}

function checkShape(kernel: string, name: string, got: readonly number[], expected: readonly number[]): void {
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${kernel}: ${name} must have shape [${expected.join(', ')}], got [${got.join(', ')}]`,
    );
  }
}

/**
 * Wraps a forward convolution kernel so that 'same' padding reaches it as explicit pads.
 * tfjs-wasm 4.22 hands 'same' to XNNPACK's TensorFlow-SAME mode, which computes wrong
 * results when the total padding would be negative (e.g. kernel 1 or 2 with stride 3).
 */
export function createExplicitPaddingConv(
  kernelName: string,
  original: KernelImpl,
  depthwise: boolean,
): KernelImpl {
  return (args: KernelArgs) => {
    const attrs = args.attrs ?? {};
    if (attrs.pad !== 'same' || !isChannelsLast(attrs.dataFormat)) return original(args);
    const x = requireInput(kernelName, args.inputs, 'x');
    const filter = requireInput(kernelName, args.inputs, 'filter');
    const info = backend_util.computeConv2DInfo(
      shape4(kernelName, 'x', x.shape),
      shape4(kernelName, 'filter', filter.shape),
      attrs.strides as number | [number, number],
      (attrs.dilations ?? 1) as number | [number, number],
      'same',
      undefined,
      depthwise,
      'channelsLast',
    );
    const explicitAttrs: NamedAttrMap = { ...attrs, pad: explicitPadding(info) };
    delete explicitAttrs.dimRoundingMode;
    return original({ ...args, attrs: explicitAttrs });
  };
}

/** tfjs' geometry of an NHWC conv (output size, explicit padding) from a kernel's attrs. */
export function conv2dInfo(
  xShape: Shape4,
  filterShape: Shape4,
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  dilations: number | [number, number] = 1,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * dW of y = conv2d(x, W) as ONE forward convolution:
 *   dW[a,b,i,o] = sum over n,r,c of xpad[n, r*sh + a, c*sw + b, i] * dy[n,r,c,o]
 * Read x^T = [Ci,H,W,N] as Ci images with N channels and dy^T = [Ho,Wo,N,Co] as an Ho x Wo
 * filter: a stride-1 conv with dilation (sh, sw) gives [Ci,kh,kw,Co], transposed to dW.
 */
function filterGradViaConv(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { outHeight, outWidth, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  // The dilated conv yields rows = H + top + bottom - (Ho-1)*sh; trim bottom/right padding
  // so it yields exactly kh x kw where it can (extra rows would be computed and dropped).
  const span = (size: number, before: number, after: number, out: number, stride: number, k: number) => {
    const rows = size + before + after - (out - 1) * stride;
    const trimmedAfter = Math.max(0, after - (rows - k));
    return { after: trimmedAfter, rows: rows - after + trimmedAfter };
  };
  const { top, left } = info.padInfo;
  const vert = span(info.inHeight, top, info.padInfo.bottom, outHeight, sh, kh);
  const horz = span(info.inWidth, left, info.padInfo.right, outWidth, sw, kw);
  const xT = scope.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyT = scope.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const g = scope.run(
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, vert.after],
        [left, horz.after],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  );
  // g is [Ci, rows, cols, Co]; dW[a,b,i,:] = g[i,a,b,:] for a < kh, b < kw.
  return scope.output([kh, kw, ci, co], 'float32', (out) => {
    const copy = runCopier(scope.view(g), out);
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        for (let i = 0; i < ci; i++) {
          copy(((i * vert.rows + a) * horz.rows + b) * co, ((a * kw + b) * ci + i) * co, co);
        }
      }
    }
  });
}

/**
 * dW as one matrix product, for few input channels: dW^T[o, (a,b,i)] = sum over pixels
 * (n,r,c) of dy^T[o, (n,r,c)] * colsT[(n,r,c), (a,b,i)], colsT = xpad[n, r*sh + a, c*sw + b, i],
 * both built in JS. With Ci*kh*kw small the dilated conv above has too few output pixels to
 * keep XNNPACK busy (a 1-channel image: ~2 GFLOP/s), while this product runs at full speed.
 * The small colsT is the product's right operand, which XNNPACK packs anew for every new
 * tensor: with dy there instead, packing its Co values per pixel cost more than the product.
 */
function filterGradViaMatMul(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const rows = kh * kw * ci;
  // Images per product, so that colsT stays under maxValues; partial dWs are summed.
  const chunk = Math.max(
    1,
    Math.min(n, Math.floor(limitsFor(scope.backendName).maxValues / (rows * ho * wo))),
  );
  const sum = new Float32Array(rows * co);
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const n1 = Math.min(n, n0 + chunk);
    const pixels = (n1 - n0) * ho * wo;
    const colsT = scope.output([1, pixels, rows], 'float32', (values) => {
      const out = values as Float32Array; // monomorphic views keep the loops fast
      const src = scope.viewF32(x);
      out.fill(0);
      let to = 0;
      for (let bn = n0; bn < n1; bn++) {
        for (let r = 0; r < ho; r++) {
          for (let c = 0; c < wo; c++, to += rows) {
            for (let a = 0; a < kh; a++) {
              const y = r * sh + a - top;
              if (y < 0 || y >= h) continue;
              const rowBase = (bn * h + y) * w;
              for (let b = 0; b < kw; b++) {
                const xc = c * sw + b - left;
                if (xc < 0 || xc >= w) continue;
                const from = (rowBase + xc) * ci;
                const tap = to + (a * kw + b) * ci;
                for (let i = 0; i < ci; i++) out[tap + i] = src[from + i]!;
              }
            }
          }
        }
      }
    });
    // dy^T for the chunk's pixels, transposed in JS in blocks of 64 pixels (12544x64: 1.7 ms,
    // against 3.3 ms for tfjs-wasm's Transpose kernel on the same loaded machine)
    const dyT = scope.output([1, co, pixels], 'float32', (values) => {
      const out = values as Float32Array;
      const src = scope.viewF32(dy);
      const first = n0 * ho * wo;
      for (let p0 = 0; p0 < pixels; p0 += 64) {
        const p1 = Math.min(pixels, p0 + 64);
        for (let o = 0; o < co; o++) {
          const row = o * pixels;
          for (let p = p0; p < p1; p++) out[row + p] = src[(first + p) * co + o]!;
        }
      }
    });
    const part = scope.run('BatchMatMul', { a: dyT, b: colsT }, { transposeA: false, transposeB: false });
    // part is dW^T [Co, rows]
    const p = scope.viewF32(part);
    for (let o = 0; o < co; o++) for (let t = 0; t < rows; t++) sum[t * co + o]! += p[o * rows + t]!;
    scope.free(part);
    scope.free(dyT);
    scope.free(colsT);
  }
  return scope.fromValues([kh, kw, ci, co], 'float32', sum);
}

/**
 * dW of y = conv2d(x, W), NHWC: a matrix product where Ci*kh*kw is small (see
 * filterGradViaMatMul), otherwise one dilated forward conv (filterGradViaConv).
 */
export function conv2dBackpropFilter(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): TensorInfo {
  const kernel = 'Conv2DBackpropFilter';
  const filterShape = shape4(kernel, 'filterShape', attrs.filterShape);
  const info = conv2dInfo(
    shape4(kernel, 'x', x.shape),
    filterShape,
    attrs.strides,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  checkShape(kernel, 'dy', dy.shape, [info.batchSize, info.outHeight, info.outWidth, filterShape[3]]);
  if (filterShape[2] !== x.shape[3]) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${kernel}: filterShape[2] (${filterShape[2]}) must match the channels of x (${x.shape[3]})`,
    );
  }
  const viaMatMul =
    filterShape[0] * filterShape[1] * filterShape[2] <= limitsFor(scope.backendName).filterRows;
  return viaMatMul ? filterGradViaMatMul(scope, x, dy, info) : filterGradViaConv(scope, x, dy, info);
}

/**
 * One axis of the sub-pixel split of a transposed convolution. Output index y = q*s + p
 * (phase p) only meets filter taps k = r + m*s with r = (p + padBefore) mod s, reading
 * dy[q + c0 - m], c0 = floor((p + padBefore) / s). With the taps flipped that is a stride-1
 * correlation of dy starting at row c0 - taps + 1.
 */
interface AxisPhase {
  /** p: this phase's outputs are p, p + s, p + 2s, ... */
  phase: number;
  /** How many outputs the phase has. */
  count: number;
  /** r: the first filter tap the phase uses. */
  firstTap: number;
  /** How many taps (0: the phase's outputs are all zero). */
  taps: number;
  /** Explicit padding of dy for the phase's conv. */
  padBefore: number;
  padAfter: number;
  /** Index in the conv's output of the phase's first output. */
  offset: number;
}

function planAxis(size: number, dySize: number, k: number, s: number, padBefore: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let p = 0; p < s && p < size; p++) {
    const count = Math.ceil((size - p) / s);
    const firstTap = (p + padBefore) % s;
    const c0 = Math.floor((p + padBefore) / s);
    let taps = firstTap < k ? Math.ceil((k - firstTap) / s) : 0;
    const lo = c0 - taps + 1; // first dy row read
    const hi = c0 + count - 1; // last dy row read
    if (hi < 0 || lo > dySize - 1) taps = 0; // reads padding only
    phases.push({
      phase: p,
      count,
      firstTap,
      taps,
      padBefore: Math.max(0, -lo),
      padAfter: Math.max(0, hi - (dySize - 1)),
      offset: Math.max(0, lo),
    });
  }
  return phases;
}

/**
 * The flipped, channel-swapped sub-filters for the live phases, built in JS from one read
 * of the filter: [kh,kw,Ci,Co] -> [tapsH,tapsW,Co,Ci] holding taps firstTap + m*s, m reversed.
 * (Cheaper on wasm than its Reverse / StridedSlice / 6-D Transpose kernels.)
 */
function subFilters(
  scope: KernelScope,
  filter: TensorInfo,
  filterShape: Shape4,
  strides: [number, number],
  pairs: ReadonlyArray<readonly [AxisPhase, AxisPhase]>,
): TensorInfo[] {
  const [, kw, ci, co] = filterShape;
  const [sh, sw] = strides;
  const f = scope.viewF32(filter);
  const built = pairs.map(([ph, pw]) => {
    const sub = new Float32Array(ph.taps * pw.taps * co * ci);
    for (let mh = 0; mh < ph.taps; mh++) {
      const a = ph.firstTap + (ph.taps - 1 - mh) * sh;
      for (let mw = 0; mw < pw.taps; mw++) {
        const b = pw.firstTap + (pw.taps - 1 - mw) * sw;
        const src = (a * kw + b) * ci * co;
        const dst = (mh * pw.taps + mw) * co * ci;
        for (let i = 0; i < ci; i++) {
          const row = src + i * co;
          for (let o = 0; o < co; o++) sub[dst + o * ci + i] = f[row + o]!;
        }
      }
    }
    return { shape: [ph.taps, pw.taps, co, ci], sub };
  });
  // Allocate only after every read: a new tensor may move the wasm heap under `f`.
  return built.map(({ shape, sub }) => scope.fromValues(shape, 'float32', sub));
}

/**
 * dx of y = conv2d(x, W) (also the forward pass of conv2dTranspose) by the sub-pixel split:
 * the output pixels of each of the sh*sw phases see a fixed subset of the filter taps, so each
 * phase is one small stride-1 forward conv of dy with a flipped sub-filter, and the phases are
 * interleaved in JS. No multiply by an inserted zero; any strides, equal or not.
 */
function inputGradViaPhases(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci } = info;
  const { strideHeight: sh, strideWidth: sw, outHeight, outWidth } = info;
  const filterShape = filter.shape as Shape4;
  const rows = planAxis(h, outHeight, filterShape[0], sh, info.padInfo.top);
  const cols = planAxis(w, outWidth, filterShape[1], sw, info.padInfo.left);
  const live: Array<readonly [AxisPhase, AxisPhase]> = [];
  for (const ph of rows) for (const pw of cols) if (ph.taps > 0 && pw.taps > 0) live.push([ph, pw]);
  const subs = subFilters(scope, filter, filterShape, [sh, sw], live);
  const convs = live.map(([ph, pw], i) =>
    scope.run(
      'Conv2D',
      { x: dy, filter: subs[i]! },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [ph.padBefore, ph.padAfter],
          [pw.padBefore, pw.padAfter],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    ),
  );
  // Stride 1 with nothing to crop: the one conv is dx.
  const only = convs[0];
  if (convs.length === 1 && rows.length === 1 && cols.length === 1 && only !== undefined) {
    const [ph, pw] = live[0]!;
    if (ph.offset === 0 && pw.offset === 0 && only.shape[1] === h && only.shape[2] === w) return only;
  }
  return scope.output([n, h, w, ci], 'float32', (out) => {
    if (live.length < rows.length * cols.length) out.fill(0);
    live.forEach(([ph, pw], i) => {
      const conv = convs[i]!;
      const src = scope.view(conv);
      const copy = runCopier(src, out);
      const convH = conv.shape[1]!;
      const convW = conv.shape[2]!;
      for (let b = 0; b < n; b++) {
        for (let qh = 0; qh < ph.count; qh++) {
          const srcRow = ((b * convH + ph.offset + qh) * convW + pw.offset) * ci;
          const dstRow = ((b * h + qh * sh + ph.phase) * w + pw.phase) * ci;
          if (ci >= 8) {
            for (let qw = 0; qw < pw.count; qw++) copy(srcRow + qw * ci, dstRow + qw * sw * ci, ci);
          } else {
            for (let qw = 0; qw < pw.count; qw++) {
              const from = srcRow + qw * ci;
              const to = dstRow + qw * sw * ci;
              for (let c = 0; c < ci; c++) out[to + c] = src[from + c]!;
            }
          }
        }
      }
    });
  });
}

/**
 * dx as a matrix product and a scatter, for few input channels: cols[(n,r,c), (a,b,i)] =
 * sum over o of dy[n,r,c,o] * W[a,b,i,o], then dx[n, r*sh + a - top, c*sw + b - left, i] +=
 * cols. With Ci small (a generator's RGB or grayscale output) the phase convs have 1-3 output
 * channels, which XNNPACK runs at a fraction of its speed; the product does not care.
 */
function inputGradViaMatMul(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const taps = kh * kw * ci;
  const pixels = n * ho * wo;
  // W as [Co, kh*kw*Ci]: the filter's [kh*kw*Ci, Co] transposed (small; done in JS).
  const wT = scope.output([1, co, taps], 'float32', (out) => {
    const f = scope.viewF32(filter);
    for (let t = 0; t < taps; t++) for (let o = 0; o < co; o++) out[o * taps + t] = f[t * co + o]!;
  });
  const dy3 = scope.run('Reshape', { x: dy }, { shape: [1, pixels, co] });
  const cols = scope.run('BatchMatMul', { a: dy3, b: wT }, { transposeA: false, transposeB: false });
  return scope.output([n, h, w, ci], 'float32', (values) => {
    const dx = values as Float32Array; // monomorphic views keep the scatter fast
    dx.fill(0);
    const src = scope.viewF32(cols);
    let from = 0;
    for (let bn = 0; bn < n; bn++) {
      for (let r = 0; r < ho; r++) {
        for (let c = 0; c < wo; c++, from += taps) {
          for (let a = 0; a < kh; a++) {
            const y = r * sh + a - top;
            if (y < 0 || y >= h) continue;
            const rowBase = (bn * h + y) * w;
            for (let b = 0; b < kw; b++) {
              const x = c * sw + b - left;
              if (x < 0 || x >= w) continue;
              const to = (rowBase + x) * ci;
              const tap = from + (a * kw + b) * ci;
              for (let i = 0; i < ci; i++) dx[to + i]! += src[tap + i]!;
            }
          }
        }
      }
    }
  });
}

/**
 * Whether dx of this conv takes the matrix-product form: few input channels (Ci*kh*kw within
 * the limit) and a cols matrix that fits in memory.
 */
function inputGradPrefersMatMul(info: backend_util.Conv2DInfo, backendName: string): boolean {
  const limits = limitsFor(backendName);
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const values = info.batchSize * info.outHeight * info.outWidth * taps;
  return taps <= limits.inputRows && values <= limits.maxValues;
}

function backpropInputInfo(
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): backend_util.Conv2DInfo {
  const kernel = 'Conv2DBackpropInput';
  const xShape = shape4(kernel, 'inputShape', attrs.inputShape);
  const filterShape = shape4(kernel, 'filter', filter.shape);
  const info = conv2dInfo(xShape, filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  checkShape(kernel, 'dy', dy.shape, [xShape[0], info.outHeight, info.outWidth, filterShape[3]]);
  if (filterShape[2] !== xShape[3]) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${kernel}: filter in-channels (${filterShape[2]}) must match inputShape[3] (${xShape[3]})`,
    );
  }
  return info;
}

/**
 * dx of y = conv2d(x, W), NHWC, given dy: a matrix product and scatter where Ci*kh*kw is small
 * (inputGradViaMatMul), otherwise the sub-pixel split into forward convs (inputGradViaPhases).
 */
export function conv2dBackpropInput(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): TensorInfo {
  const info = backpropInputInfo(dy, filter, attrs);
  return inputGradPrefersMatMul(info, scope.backendName)
    ? inputGradViaMatMul(scope, dy, filter, info)
    : inputGradViaPhases(scope, dy, filter, info);
}

/**
 * The Conv2DBackpropFilter kernel for `backendName`, composed of its Transpose and Conv2D
 * kernels. Inputs it does not handle (NCHW, non-float32) go to `original` where there is one.
 */
export function createConv2DBackpropFilter(
  backendName: string,
  original: KernelImpl | undefined,
): KernelImpl {
  const kernel = 'Conv2DBackpropFilter';
  return (args: KernelArgs) => {
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const x = requireInput(kernel, args.inputs, 'x');
    const dy = requireInput(kernel, args.inputs, 'dy');
    if (!isChannelsLast(attrs.dataFormat) || x.dtype !== 'float32' || dy.dtype !== 'float32') {
      if (original) return original(args);
      throw unsupported(kernel, `dataFormat ${attrs.dataFormat} with dtypes ${x.dtype}/${dy.dtype}`);
    }
    return withScope(args.backend, backendName, (scope) => conv2dBackpropFilter(scope, x, dy, attrs));
  };
}

/**
 * The Conv2DBackpropInput kernel for `backendName` (conv2d's input gradient and
 * conv2dTranspose's forward pass), composed of its Conv2D and BatchMatMul kernels. (Not used
 * on cpu: there the backend's own kernel beats both forms.)
 */
export function createConv2DBackpropInput(backendName: string, original: KernelImpl | undefined): KernelImpl {
  const kernel = 'Conv2DBackpropInput';
  return (args: KernelArgs) => {
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const dy = requireInput(kernel, args.inputs, 'dy');
    const filter = requireInput(kernel, args.inputs, 'filter');
    if (!isChannelsLast(attrs.dataFormat) || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
      if (original) return original(args);
      throw unsupported(kernel, `dataFormat ${attrs.dataFormat} with dtypes ${dy.dtype}/${filter.dtype}`);
    }
    return withScope(args.backend, backendName, (scope) => conv2dBackpropInput(scope, dy, filter, attrs));
  };
}
