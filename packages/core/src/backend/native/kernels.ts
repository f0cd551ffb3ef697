import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { conv2dInfo, isChannelsLast, type Shape4 } from '../kernels/conv2d.js';
import { type KernelArgs, type KernelImpl, requireInput, withScope } from '../kernels/kernel-scope.js';
import {
  type ConvGeometry,
  conv2dBackpropFilterGraph,
  conv2dBackpropInputGraph,
  conv2dGraph,
  im2colSize,
} from './graphs.js';
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

/** A graph's inputs, with the tensors fed to them. */
type GraphInputs = Array<{ name: string; tensor: TensorInfo }>;

/**
 * Runs the graph cached under `key` (built by `build` on first use) on the inputs' values and
 * returns its output `y` as a backend tensor. `kind` names the formulation in the runtime's
 * counts.
 */
function runGraph(
  args: KernelArgs,
  backendName: string,
  runtime: NativeRuntime,
  kind: string,
  key: unknown,
  build: () => OnnxGraph,
  inputs: GraphInputs,
  outShape: number[],
): TensorInfo {
  const cacheKey = JSON.stringify([kind, key]);
  return withScope(args.backend, backendName, (scope) => {
    const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    // heap views stay valid: nothing is allocated on the backend until the output below
    for (const { name, tensor } of inputs) feeds[name] = { data: scope.viewF32(tensor), dims: tensor.shape };
    const result = runtime.run(cacheKey, build, feeds, 'y', kind);
    return scope.output(outShape, 'float32', (out) => out.set(result.data));
  });
}

/** Runs `op` between transposes (one cached session per op, shapes and attributes). */
function runOp(
  args: KernelArgs,
  backendName: string,
  runtime: NativeRuntime,
  kind: string,
  op: TransposedOp,
): TensorInfo {
  const key = { ...op, inputs: op.inputs.map(({ name, tensor, perm }) => [name, tensor.shape, perm]) };
  return runGraph(args, backendName, runtime, kind, key, () => opGraph(op), op.inputs, op.outShape);
}

/**
 * The NCHWc block size for a conv of `inChannels` -> `outChannels`, or 0: both counts must
 * fill at least half a block (padding wastes the rest), and ReorderInput takes whole groups
 * of 4 input channels.
 */
function usableBlock(runtime: NativeRuntime, inChannels: number, outChannels: number): number {
  const block = runtime.nchwcBlock;
  const fits = inChannels % 4 === 0 && 2 * inChannels >= block && 2 * outChannels >= block;
  return block >= 8 && fits ? block : 0;
}

/** The geometry {@link conv2dInfo} describes, per axis. */
function geometry(info: ReturnType<typeof conv2dInfo>): ConvGeometry {
  const { top, bottom, left, right } = info.padInfo;
  return {
    batch: info.batchSize,
    inChannels: info.inChannels,
    outChannels: info.outChannels,
    h: {
      in: info.inHeight,
      out: info.outHeight,
      kernel: info.filterHeight,
      stride: info.strideHeight,
      dilation: info.dilationHeight,
      padBefore: top,
      padAfter: bottom,
    },
    w: {
      in: info.inWidth,
      out: info.outWidth,
      kernel: info.filterWidth,
      stride: info.strideWidth,
      dilation: info.dilationWidth,
      padBefore: left,
      padAfter: right,
    },
  };
}

/**
 * Above this many values the im2col matrix of a filter gradient (4 bytes each) is not built and
 * the backend's own kernel runs instead.
 */
export const MAX_IM2COL_VALUES = 2 ** 25;

/**
 * Conv2D (NHWC): an NCHWc conv where both channel counts fill half a block, else ONNX Conv
 * between transposes. Other layouts, and shallow convs, go to `original`.
 */
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
    const [kh, kw, ci, co] = filter.shape as Shape4;
    // a few input channels (an image's first layer) keep XNNPACK busier than MLAS
    if (kh * kw * ci < MIN_FORWARD_DEPTH) return original(args);
    const info = conv2dInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
      attrs.dilations,
    );
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    const block = usableBlock(runtime, ci, co);
    if (block > 0) {
      const c = geometry(info);
      const inputs = [
        { name: 'x', tensor: x },
        { name: 'w', tensor: filter },
      ];
      return runGraph(
        args,
        backendName,
        runtime,
        'conv2d:nchwc',
        [c, block],
        () => conv2dGraph(c, block),
        inputs,
        outShape,
      );
    }
    const { top, bottom, left, right } = info.padInfo;
    return runOp(args, backendName, runtime, 'conv2d:onnx', {
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
      outShape,
    });
  };
}

/**
 * Conv2DBackpropInput (also conv2dTranspose's forward): one NCHWc conv per output phase
 * (see {@link conv2dBackpropInputGraph}) where the channels fill half a block, else ONNX
 * ConvTranspose, the adjoint of Conv with the same pads; output_padding restores the rows a
 * strided conv skipped.
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
    // the phase convs read dy's channels and write the conv input's
    const block = usableBlock(runtime, info.outChannels, info.inChannels);
    const c = geometry(info);
    const graph = block > 0 ? conv2dBackpropInputGraph(c, block) : undefined;
    if (graph !== undefined) {
      const inputs = [
        { name: 'dy', tensor: dy },
        { name: 'w', tensor: filter },
      ];
      return runGraph(args, backendName, runtime, 'backpropInput:nchwc', [c, block], () => graph, inputs, [
        ...inputShape,
      ]);
    }
    const { top, bottom, left, right } = info.padInfo;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const extraH = (info.inHeight + top + bottom - kh) % sh;
    const extraW = (info.inWidth + left + right - kw) % sw;
    if (extraH < 0 || extraW < 0) return original(args);
    return runOp(args, backendName, runtime, 'backpropInput:onnx', {
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
 * Conv2DBackpropFilter as im2col plus one SGEMM (see {@link conv2dBackpropFilterGraph});
 * where the im2col matrix would exceed {@link MAX_IM2COL_VALUES} the backend's own kernel
 * runs instead.
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
    const c = geometry(info);
    if (im2colSize(c) > MAX_IM2COL_VALUES) return original(args);
    const inputs = [
      { name: 'x', tensor: x },
      { name: 'dy', tensor: dy },
    ];
    return runGraph(
      args,
      backendName,
      runtime,
      'backpropFilter:gemm',
      c,
      () => conv2dBackpropFilterGraph(c),
      inputs,
      [...filterShape],
    );
  };
}
