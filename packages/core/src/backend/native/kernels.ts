import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, type KernelImpl, requireInput, withScope } from '../kernels/kernel-scope.js';
import type { OnnxGraph } from './onnx-model.js';
import type { NativeRuntime } from './runtime.js';

type Shape4 = [number, number, number, number];

// NHWC <-> NCHW, and tfjs' [kh, kw, Ci, Co] filter -> ONNX's [Co, Ci, kh, kw]
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
const FILTER_TO_OIHW = [3, 2, 0, 1];

/**
 * Below this many multiply-adds per output value a forward conv stays on the backend's own
 * kernel: a 1-channel 4x4 conv of [64,28,28,1] took 2.1 ms natively against 0.7 ms on wasm.
 */
const MIN_FORWARD_DEPTH = 64;

function isNhwcFloat(...tensors: TensorInfo[]): boolean {
  return tensors.every((t) => t.dtype === 'float32' && t.shape.length === 4);
}

function channelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

function conv2dInfo(
  xShape: Shape4,
  filterShape: Shape4,
  attrs: {
    strides: number | [number, number];
    pad: Conv2DAttrs['pad'];
    dimRoundingMode?: Conv2DAttrs['dimRoundingMode'];
  },
  dilations: number | [number, number] = 1,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

function key(kernel: string, ...parts: unknown[]): string {
  return `${kernel}|${JSON.stringify(parts)}`;
}

/** Runs a one-output graph on the inputs' values and returns the result as a backend tensor. */
function runGraph(
  args: KernelArgs,
  backendName: string,
  runtime: NativeRuntime,
  cacheKey: string,
  build: () => OnnxGraph,
  feeds: Record<string, TensorInfo>,
  outShape: number[],
): TensorInfo {
  return withScope(args.backend, backendName, (scope) => {
    const native: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    // heap views stay valid: nothing is allocated on the backend until the output below
    for (const [name, t] of Object.entries(feeds)) native[name] = { data: scope.viewF32(t), dims: t.shape };
    const result = runtime.run(cacheKey, build, native, 'y');
    return scope.output(outShape, 'float32', (out) => out.set(result.data));
  });
}

/** Conv2D (NHWC) as ONNX Transpose + Conv + Transpose. Other layouts go to `original`. */
export function createNativeConv2D(
  runtime: NativeRuntime,
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('Conv2D', args.inputs, 'x');
    const filter = requireInput('Conv2D', args.inputs, 'filter');
    const attrs = (args.attrs ?? {}) as unknown as Conv2DAttrs;
    if (!isNhwcFloat(x, filter) || !channelsLast(attrs.dataFormat)) return original(args);
    const [kh, kw, ci] = filter.shape as Shape4;
    // a few input channels (an image's first layer) keep XNNPACK busier than MLAS's NCHW path
    if (kh * kw * ci < MIN_FORWARD_DEPTH) return original(args);
    const info = conv2dInfo(x.shape as Shape4, filter.shape as Shape4, attrs, attrs.dilations);
    const { top, bottom, left, right } = info.padInfo;
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    const build = (): OnnxGraph => ({
      inputs: [
        { name: 'x', shape: x.shape },
        { name: 'w', shape: filter.shape },
      ],
      outputs: [{ name: 'y', shape: outShape }],
      nodes: [
        { opType: 'Transpose', inputs: ['x'], outputs: ['xc'], attributes: { perm: TO_NCHW } },
        { opType: 'Transpose', inputs: ['w'], outputs: ['wc'], attributes: { perm: FILTER_TO_OIHW } },
        {
          opType: 'Conv',
          inputs: ['xc', 'wc'],
          outputs: ['yc'],
          attributes: {
            kernel_shape: [info.filterHeight, info.filterWidth],
            strides: [info.strideHeight, info.strideWidth],
            dilations: [info.dilationHeight, info.dilationWidth],
            pads: [top, left, bottom, right],
          },
        },
        { opType: 'Transpose', inputs: ['yc'], outputs: ['y'], attributes: { perm: TO_NHWC } },
      ],
    });
    const k = key(
      'Conv2D',
      x.shape,
      filter.shape,
      info.strideHeight,
      info.strideWidth,
      info.dilationHeight,
      info.dilationWidth,
      top,
      bottom,
      left,
      right,
    );
    return runGraph(args, backendName, runtime, k, build, { x, w: filter }, outShape);
  };
}

/**
 * Conv2DBackpropInput (also conv2dTranspose's forward) as ONNX ConvTranspose, the adjoint of
 * Conv with the same pads; output_padding restores the rows a strided conv skipped.
 */
export function createNativeConv2DBackpropInput(
  runtime: NativeRuntime,
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const dy = requireInput('Conv2DBackpropInput', args.inputs, 'dy');
    const filter = requireInput('Conv2DBackpropInput', args.inputs, 'filter');
    const attrs = (args.attrs ?? {}) as unknown as Conv2DBackpropInputAttrs;
    const inputShape = attrs.inputShape as unknown as Shape4 | undefined;
    if (!isNhwcFloat(dy, filter) || !channelsLast(attrs.dataFormat) || inputShape?.length !== 4) {
      return original(args);
    }
    const info = conv2dInfo(inputShape, filter.shape as Shape4, attrs);
    const { top, bottom, left, right } = info.padInfo;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const extraH = (info.inHeight + top + bottom - kh) % sh;
    const extraW = (info.inWidth + left + right - kw) % sw;
    if (extraH < 0 || extraW < 0) return original(args);
    const outShape = [...inputShape];
    const build = (): OnnxGraph => ({
      inputs: [
        { name: 'dy', shape: dy.shape },
        { name: 'w', shape: filter.shape },
      ],
      outputs: [{ name: 'y', shape: outShape }],
      nodes: [
        { opType: 'Transpose', inputs: ['dy'], outputs: ['dyc'], attributes: { perm: TO_NCHW } },
        { opType: 'Transpose', inputs: ['w'], outputs: ['wc'], attributes: { perm: FILTER_TO_OIHW } },
        {
          opType: 'ConvTranspose',
          inputs: ['dyc', 'wc'],
          outputs: ['yc'],
          attributes: {
            kernel_shape: [kh, kw],
            strides: [sh, sw],
            pads: [top, left, bottom, right],
            output_padding: [extraH, extraW],
          },
        },
        { opType: 'Transpose', inputs: ['yc'], outputs: ['y'], attributes: { perm: TO_NHWC } },
      ],
    });
    const k = key(
      'Conv2DBackpropInput',
      dy.shape,
      filter.shape,
      inputShape,
      sh,
      sw,
      top,
      bottom,
      left,
      right,
    );
    return runGraph(args, backendName, runtime, k, build, { dy, w: filter }, outShape);
  };
}

/**
 * Conv2DBackpropFilter as one ONNX Conv: x^T [Ci,N,H,W] read as Ci images of N channels, dy^T
 * [Co,N,Ho,Wo] as the filter, dilated by the stride, gives dW as [Ci,Co,kh,kw]. Where that conv
 * would produce more than kh x kw values (valid padding with rows left over) the backend's own
 * kernel runs instead.
 */
export function createNativeConv2DBackpropFilter(
  runtime: NativeRuntime,
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('Conv2DBackpropFilter', args.inputs, 'x');
    const dy = requireInput('Conv2DBackpropFilter', args.inputs, 'dy');
    const attrs = (args.attrs ?? {}) as unknown as Conv2DBackpropFilterAttrs;
    const filterShape = attrs.filterShape as unknown as Shape4 | undefined;
    if (!isNhwcFloat(x, dy) || !channelsLast(attrs.dataFormat) || filterShape?.length !== 4) {
      return original(args);
    }
    const info = conv2dInfo(x.shape as Shape4, filterShape, attrs);
    const { top, bottom, left, right } = info.padInfo;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const { outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
    // the dilated conv yields H + top + after - (Ho-1)*sh rows: trim the bottom padding to kh
    const afterH = kh - (h + top - (ho - 1) * sh);
    const afterW = kw - (w + left - (wo - 1) * sw);
    if (afterH < 0 || afterW < 0 || afterH > bottom || afterW > right) return original(args);
    const [ci, co] = [filterShape[2], filterShape[3]];
    const outShape = [kh, kw, ci, co];
    const build = (): OnnxGraph => ({
      inputs: [
        { name: 'x', shape: x.shape },
        { name: 'dy', shape: dy.shape },
      ],
      outputs: [{ name: 'y', shape: outShape }],
      nodes: [
        { opType: 'Transpose', inputs: ['x'], outputs: ['xt'], attributes: { perm: [3, 0, 1, 2] } },
        { opType: 'Transpose', inputs: ['dy'], outputs: ['dyt'], attributes: { perm: [3, 0, 1, 2] } },
        {
          opType: 'Conv',
          inputs: ['xt', 'dyt'],
          outputs: ['g'],
          attributes: {
            kernel_shape: [ho, wo],
            strides: [1, 1],
            dilations: [sh, sw],
            pads: [top, left, afterH, afterW],
          },
        },
        { opType: 'Transpose', inputs: ['g'], outputs: ['y'], attributes: { perm: [2, 3, 0, 1] } },
      ],
    });
    const k = key('Conv2DBackpropFilter', x.shape, dy.shape, filterShape, sh, sw, top, left, afterH, afterW);
    return runGraph(args, backendName, runtime, k, build, { x, dy }, outShape);
  };
}
