import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { conv2dInfo, isChannelsLast, type Shape4 } from '../kernels/conv2d.js';
import { type KernelArgs, type KernelImpl, requireInput, withScope } from '../kernels/kernel-scope.js';
import type { OnnxGraph } from './onnx-model.js';
import type { NativeRuntime } from './runtime.js';

// NHWC <-> NCHW, and tfjs' [kh, kw, Ci, Co] filter -> ONNX's [Co, Ci, kh, kw]
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
const FILTER_TO_OIHW = [3, 2, 0, 1];

/**
 * Below this many multiply-adds per output value a forward conv stays on the backend's own
 * kernel: a 1-channel 4x4 conv of [64,28,28,1] took 2.1 ms natively against 0.7 ms on wasm.
 */
const MIN_FORWARD_DEPTH = 64;

function isFloat4(...tensors: TensorInfo[]): boolean {
  return tensors.every((t) => t.dtype === 'float32' && t.shape.length === 4);
}

/** One ONNX op between transposes: each input permuted into the op's layout, the output back. */
interface TransposedOp {
  opType: 'Conv' | 'ConvTranspose';
  inputs: Array<{ name: string; tensor: TensorInfo; perm: number[] }>;
  attributes: Record<string, number[]>;
  outPerm: number[];
  outShape: number[];
}

function opGraph(op: TransposedOp): OnnxGraph {
  return {
    inputs: op.inputs.map(({ name, tensor }) => ({ name, shape: tensor.shape })),
    outputs: [{ name: 'y', shape: op.outShape }],
    nodes: [
      ...op.inputs.map(({ name, perm }) => ({
        opType: 'Transpose',
        inputs: [name],
        outputs: [`${name}t`],
        attributes: { perm },
      })),
      {
        opType: op.opType,
        inputs: op.inputs.map(({ name }) => `${name}t`),
        outputs: ['yt'],
        attributes: op.attributes,
      },
      { opType: 'Transpose', inputs: ['yt'], outputs: ['y'], attributes: { perm: op.outPerm } },
    ],
  };
}

/**
 * Runs `op` on the inputs' values (one cached session per graph: the key is everything the
 * graph is built from) and returns the result as a backend tensor.
 */
function runOp(args: KernelArgs, backendName: string, runtime: NativeRuntime, op: TransposedOp): TensorInfo {
  const key = JSON.stringify({
    ...op,
    inputs: op.inputs.map(({ name, tensor, perm }) => [name, tensor.shape, perm]),
  });
  return withScope(args.backend, backendName, (scope) => {
    const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    // heap views stay valid: nothing is allocated on the backend until the output below
    for (const { name, tensor } of op.inputs)
      feeds[name] = { data: scope.viewF32(tensor), dims: tensor.shape };
    const result = runtime.run(key, () => opGraph(op), feeds, 'y');
    return scope.output(op.outShape, 'float32', (out) => out.set(result.data));
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
    if (!isFloat4(x, filter) || !isChannelsLast(attrs.dataFormat)) return original(args);
    const [kh, kw, ci] = filter.shape as Shape4;
    // a few input channels (an image's first layer) keep XNNPACK busier than MLAS's NCHW path
    if (kh * kw * ci < MIN_FORWARD_DEPTH) return original(args);
    const info = conv2dInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
      attrs.dilations,
    );
    const { top, bottom, left, right } = info.padInfo;
    return runOp(args, backendName, runtime, {
      opType: 'Conv',
      inputs: [
        { name: 'x', tensor: x, perm: TO_NCHW },
        { name: 'w', tensor: filter, perm: FILTER_TO_OIHW },
      ],
      attributes: {
        kernel_shape: [kh, kw],
        strides: [info.strideHeight, info.strideWidth],
        dilations: [info.dilationHeight, info.dilationWidth],
        pads: [top, left, bottom, right],
      },
      outPerm: TO_NHWC,
      outShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    });
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
    if (!isFloat4(dy, filter) || !isChannelsLast(attrs.dataFormat) || inputShape?.length !== 4) {
      return original(args);
    }
    const info = conv2dInfo(
      inputShape,
      filter.shape as Shape4,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const extraH = (info.inHeight + top + bottom - kh) % sh;
    const extraW = (info.inWidth + left + right - kw) % sw;
    if (extraH < 0 || extraW < 0) return original(args);
    return runOp(args, backendName, runtime, {
      opType: 'ConvTranspose',
      inputs: [
        { name: 'dy', tensor: dy, perm: TO_NCHW },
        { name: 'w', tensor: filter, perm: FILTER_TO_OIHW },
      ],
      attributes: {
        kernel_shape: [kh, kw],
        strides: [sh, sw],
        pads: [top, left, bottom, right],
        output_padding: [extraH, extraW],
      },
      outPerm: TO_NHWC,
      outShape: [...inputShape],
    });
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
    if (!isFloat4(x, dy) || !isChannelsLast(attrs.dataFormat) || filterShape?.length !== 4) {
      return original(args);
    }
    const info = conv2dInfo(x.shape as Shape4, filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
    const { top, bottom, left, right } = info.padInfo;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const { outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
    // the dilated conv yields H + top + after - (Ho-1)*sh rows: trim the bottom padding to kh
    const afterH = kh - (h + top - (ho - 1) * sh);
    const afterW = kw - (w + left - (wo - 1) * sw);
    if (afterH < 0 || afterW < 0 || afterH > bottom || afterW > right) return original(args);
    return runOp(args, backendName, runtime, {
      opType: 'Conv',
      inputs: [
        { name: 'x', tensor: x, perm: [3, 0, 1, 2] },
        { name: 'dy', tensor: dy, perm: [3, 0, 1, 2] },
      ],
      attributes: {
        kernel_shape: [ho, wo],
        strides: [1, 1],
        dilations: [sh, sw],
        pads: [top, left, afterH, afterW],
      },
      outPerm: [2, 3, 0, 1],
      outShape: [kh, kw, filterShape[2], filterShape[3]],
    });
  };
}
