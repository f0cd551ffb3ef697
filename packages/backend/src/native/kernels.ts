import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  FusedConv2DAttrs,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { conv2dInfo, isChannelsLast, type Shape4 } from '../kernels/conv2d.js';
import { type KernelArgs, type KernelImpl, requireInput, withScope } from '../kernels/kernel-scope.js';
import {
  adjointGeometry,
  type BatchNormSpec,
  batchNormGraph,
  type ConvGeometry,
  conv2dBackpropFilterAdjointGraph,
  conv2dBackpropFilterGraph,
  conv2dBackpropInputGraph,
  conv2dBackpropInputIm2colGraph,
  conv2dCol2ImGraph,
  conv2dGraph,
  conv2dIm2colGraph,
  conv2dNchwInputGraph,
  hasSubPixelPhases,
  im2colSize,
  MATMUL_ACTIVATIONS,
  type MatMulActivation,
  type MatMulSpec,
  matMulGraph,
} from './graphs.js';
import type { OnnxGraph } from './onnx-model.js';
import type { NativeRuntime } from './runtime.js';

// NHWC <-> NCHW, and tfjs' [kh, kw, Ci, Co] filter -> ONNX's [Co, Ci, kh, kw]
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
const FILTER_TO_OIHW = [3, 2, 0, 1];

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

/** A graph's inputs, with the tensors fed to them (read with `dims` where the graph drops unit axes). */
type GraphInputs = Array<{ name: string; tensor: TensorInfo; dims?: readonly number[] }>;

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
  return withScope(args.backend, backendName, (scope) =>
    scope.output(outShape, 'float32', (out) => {
      // the output is allocated first, so the input views taken now stay valid (an allocation
      // can grow the wasm heap and detach earlier views)
      const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
      for (const { name, tensor, dims } of inputs) {
        feeds[name] = { data: scope.viewF32(tensor), dims: dims ?? tensor.shape };
      }
      const target = out as Float32Array;
      const result = runtime.run(cacheKey, build, feeds, 'y', kind, target);
      if (result.data !== target) target.set(result.data);
    }),
  );
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
 * Above this many values (4 bytes each) an im2col matrix is not built: the filter gradient
 * runs on the backend's own kernel, a forward conv as ONNX Conv.
 */
export const MAX_IM2COL_VALUES = 2 ** 25;

/**
 * Conv2D (NHWC): an NCHWc conv where both channel counts fill half a block; with fewer input
 * channels than a block (an image's first layer) the blocked conv reading NCHW input; else
 * im2col and one product; else (an im2col matrix above {@link MAX_IM2COL_VALUES}) ONNX Conv
 * between transposes. Other layouts go to `original`.
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
    const info = conv2dInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
      attrs.dilations,
    );
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    const c = geometry(info);
    const inputs = [
      { name: 'x', tensor: x },
      { name: 'w', tensor: filter },
    ];
    const block = usableBlock(runtime, ci, co);
    if (block > 0) {
      const build = () => conv2dGraph(c, block);
      return runGraph(args, backendName, runtime, 'conv2d:nchwc', [c, block], build, inputs, outShape);
    }
    const wide = runtime.nchwcBlock;
    if (wide >= 8 && ci < wide && 2 * co >= wide) {
      const build = () => conv2dNchwInputGraph(c, wide);
      return runGraph(args, backendName, runtime, 'conv2d:nchwc-nchw', [c, wide], build, inputs, outShape);
    }
    const adjoint = adjointGeometry(c);
    // fewer output than input channels at stride 1: a product per tap and Col2Im, whose
    // intermediate is smaller than x's im2col matrix
    if (
      adjoint !== undefined &&
      im2colSize(adjoint) < im2colSize(c) &&
      im2colSize(adjoint) <= MAX_IM2COL_VALUES
    ) {
      const build = () => conv2dCol2ImGraph(c);
      return runGraph(args, backendName, runtime, 'conv2d:col2im', c, build, inputs, outShape);
    }
    if (im2colSize(c) <= MAX_IM2COL_VALUES) {
      const build = () => conv2dIm2colGraph(c);
      return runGraph(args, backendName, runtime, 'conv2d:gemm', c, build, inputs, outShape);
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

/** The backend kernel of each fused activation tfjs names ('linear': none). */
const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

/**
 * FusedConv2D (tfjs-layers' Conv2D outside a gradient tape: sampling, and the fakes a strategy
 * makes for D's update) as the native Conv2D, then the bias and activation on the backend's own
 * kernels: tfjs-wasm's fused conv packs the changed weights into a new XNNPACK operator on
 * every call after an optimizer step (4.5 ms for [16,16,16,32] * [3,3,32,32]). Other layouts,
 * dtypes and biases go to `original`.
 */
export function createNativeFusedConv2D(
  _runtime: NativeRuntime,
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('FusedConv2D', args.inputs, 'x');
    const filter = requireInput('FusedConv2D', args.inputs, 'filter');
    const bias = args.inputs.bias as TensorInfo | undefined;
    const slopes = args.inputs.preluActivationWeights as TensorInfo | undefined;
    const attrs = (args.attrs ?? {}) as unknown as FusedConv2DAttrs;
    const activation = attrs.activation ?? 'linear';
    const act = ACTIVATION_KERNELS[activation];
    const perChannel = bias === undefined || (bias.dtype === 'float32' && sizeOf(bias) === filter.shape[3]);
    if (
      !isFloat4(x, filter) ||
      !isChannelsLast(attrs.dataFormat) ||
      !perChannel ||
      (activation !== 'linear' && act === undefined) ||
      (activation === 'prelu' && slopes === undefined)
    ) {
      return original(args);
    }
    return withScope(args.backend, backendName, (scope) => {
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
      const convAttrs = { strides, pad, dataFormat, dilations, dimRoundingMode } as unknown as NamedAttrMap;
      let y = scope.run('Conv2D', { x, filter }, convAttrs);
      if (bias !== undefined) y = scope.run('Add', { a: y, b: bias });
      if (act === 'Prelu' && slopes !== undefined) y = scope.run(act, { x: y, alpha: slopes });
      else if (act !== undefined) y = scope.run(act, { x: y }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
      return y;
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
    if (block > 0 && hasSubPixelPhases(c)) {
      const inputs = [
        { name: 'dy', tensor: dy },
        { name: 'w', tensor: filter },
      ];
      // built only when no session holds this graph yet
      const build = () => conv2dBackpropInputGraph(c, block);
      return runGraph(args, backendName, runtime, 'backpropInput:nchwc', [c, block], build, inputs, [
        ...inputShape,
      ]);
    }
    // too few channels for the blocked conv at stride 1: im2col of dy, whose channels are few
    const adjoint = adjointGeometry(c);
    if (adjoint !== undefined && im2colSize(adjoint) <= MAX_IM2COL_VALUES) {
      const inputs = [
        { name: 'dy', tensor: dy },
        { name: 'w', tensor: filter },
      ];
      const build = () => conv2dBackpropInputIm2colGraph(c);
      return runGraph(args, backendName, runtime, 'backpropInput:gemm', c, build, inputs, [...inputShape]);
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
    const inputs = [
      { name: 'x', tensor: x },
      { name: 'dy', tensor: dy },
    ];
    // at stride 1 with fewer output than input channels, the im2col matrix of dy is the smaller
    const adjoint = adjointGeometry(c);
    if (adjoint !== undefined && im2colSize(adjoint) < Math.min(im2colSize(c), MAX_IM2COL_VALUES + 1)) {
      const build = () => conv2dBackpropFilterAdjointGraph(c);
      return runGraph(args, backendName, runtime, 'backpropFilter:adjoint', c, build, inputs, [
        ...filterShape,
      ]);
    }
    if (im2colSize(c) > MAX_IM2COL_VALUES) return original(args);
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

/**
 * Products below this many multiply-adds per value read or written stay on the backend: they
 * are bound by copying operands in and out of onnxruntime (a dense layer with one output unit,
 * [64,6272] x [6272,1], takes 0.08 ms on wasm); above it the backend's kernel repacks the
 * changed weights every call ([16,512] x [512,512]: 2.5 ms on wasm).
 */
const MIN_MATMUL_INTENSITY = 4;
/** Products below this many multiply-adds stay on the backend (a session run costs ~30 us). */
const MIN_MATMUL_MACS = 2 ** 20;

interface MatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

/** A matrix, or a batch of one matrix. */
function isMatrix(t: TensorInfo): boolean {
  return t.shape.length === 2 || (t.shape.length === 3 && t.shape[0] === 1);
}

/**
 * The Gemm a product of one [M,K] matrix by one [K,N] matrix (rank 2, or rank 3 with a batch
 * of one) maps to; undefined for batched products, other dtypes and products too
 * small to gain from onnxruntime.
 */
function matMulSpec(
  a: TensorInfo,
  b: TensorInfo,
  attrs: MatMulAttrs,
  bias: boolean,
  minIntensity: number,
): MatMulSpec | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !isMatrix(a) || !isMatrix(b)) return undefined;
  const [ra = 0, ca = 0] = a.shape.slice(-2);
  const [rb = 0, cb = 0] = b.shape.slice(-2);
  const [m, k] = attrs.transposeA ? [ca, ra] : [ra, ca];
  const n = attrs.transposeB ? rb : cb;
  const macs = m * k * n;
  const values = m * k + k * n + m * n;
  if (macs < MIN_MATMUL_MACS || macs < minIntensity * values) return undefined;
  const activation = (attrs.activation ?? 'linear') as MatMulActivation;
  if (!MATMUL_ACTIVATIONS.includes(activation)) return undefined;
  return {
    m,
    k,
    n,
    transposeA: attrs.transposeA === true,
    transposeB: attrs.transposeB === true,
    bias,
    activation,
    leakyreluAlpha: attrs.leakyreluAlpha ?? 0.2,
  };
}

function runMatMul(
  args: KernelArgs,
  backendName: string,
  runtime: NativeRuntime,
  spec: MatMulSpec,
  inputs: GraphInputs,
): TensorInfo {
  // the output has the operands' larger rank, as the backends' own kernels give it
  const batch = inputs.some(({ name, tensor }) => name !== 'bias' && tensor.shape.length === 3) ? [1] : [];
  return runGraph(args, backendName, runtime, 'matMul:gemm', spec, () => matMulGraph(spec), inputs, [
    ...batch,
    spec.m,
    spec.n,
  ]);
}

/** BatchMatMul of one matrix by another as one Gemm; batched products go to `original`. */
export function createNativeBatchMatMul(
  runtime: NativeRuntime,
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const a = requireInput('BatchMatMul', args.inputs, 'a');
    const b = requireInput('BatchMatMul', args.inputs, 'b');
    const spec = matMulSpec(a, b, (args.attrs ?? {}) as MatMulAttrs, false, MIN_MATMUL_INTENSITY);
    if (spec === undefined) return original(args);
    return runMatMul(args, backendName, runtime, spec, [
      { name: 'a', tensor: a, dims: a.shape.slice(-2) },
      { name: 'b', tensor: b, dims: b.shape.slice(-2) },
    ]);
  };
}

/**
 * _FusedMatMul (tfjs-layers' Dense outside a gradient tape) as Gemm with the bias and the
 * activation: tfjs-wasm packs the weights into a new XNNPACK operator whenever they changed,
 * which after every optimizer step they have (2.9 ms for a [64,100] x [100,6272] product, and
 * 4.9 ms for the demo generator's [16,100] x [100,3136], 0.3 ms as Gemm).
 * PReLU and relu6, and biases other than one value per column, go to `original`.
 */
export function createNativeFusedMatMul(
  runtime: NativeRuntime,
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const a = requireInput('_FusedMatMul', args.inputs, 'a');
    const b = requireInput('_FusedMatMul', args.inputs, 'b');
    const bias = args.inputs.bias as TensorInfo | undefined;
    // whatever the intensity: the backend's own kernel repacks the changed weights every call
    const spec = matMulSpec(a, b, (args.attrs ?? {}) as MatMulAttrs, bias !== undefined, 0);
    if (spec === undefined || args.inputs.preluActivationWeights !== undefined) return original(args);
    const inputs: GraphInputs = [
      { name: 'a', tensor: a, dims: a.shape.slice(-2) },
      { name: 'b', tensor: b, dims: b.shape.slice(-2) },
    ];
    if (bias !== undefined) {
      const perColumn = bias.dtype === 'float32' && bias.shape.at(-1) === spec.n && sizeOf(bias) === spec.n;
      if (!perColumn) return original(args);
      inputs.push({ name: 'bias', tensor: bias, dims: [spec.n] });
    }
    return runMatMul(args, backendName, runtime, spec, inputs);
  };
}

function sizeOf(t: TensorInfo): number {
  return t.shape.reduce((p, d) => p * d, 1);
}

/**
 * Elementwise kernels below this many values stay on the backend: copying them in and out of
 * onnxruntime and a session run cost more than the work.
 */
const MIN_ELEMENTWISE_VALUES = 2 ** 16;

/**
 * FusedBatchNorm over the last axis (x * a + b in two passes, see {@link batchNormGraph}):
 * tfjs-wasm's kernel is a scalar loop on one thread (2.5 ms for 64x14x14x64). Statistics of
 * another shape than one value per channel, and small tensors, go to `original`.
 */
export function createNativeFusedBatchNorm(
  runtime: NativeRuntime,
  backendName: string,
  original: KernelImpl,
): KernelImpl {
  return (args: KernelArgs) => {
    const x = requireInput('FusedBatchNorm', args.inputs, 'x');
    const channels = x.shape.at(-1) ?? 0;
    const size = sizeOf(x);
    const perChannel = (t: TensorInfo | undefined) =>
      t === undefined || (t.dtype === 'float32' && t.shape.at(-1) === channels && sizeOf(t) === channels);
    const stats = ['mean', 'variance', 'offset', 'scale'].map(
      (n) => args.inputs[n] as TensorInfo | undefined,
    );
    const [mean, variance, offset, scale] = stats;
    if (
      x.dtype !== 'float32' ||
      x.shape.length < 2 ||
      size < MIN_ELEMENTWISE_VALUES ||
      mean === undefined ||
      variance === undefined ||
      !stats.every(perChannel)
    ) {
      return original(args);
    }
    const spec: BatchNormSpec = {
      rows: size / channels,
      channels,
      epsilon: (args.attrs?.varianceEpsilon as number | undefined) ?? 0.001,
      offset: offset !== undefined,
      scale: scale !== undefined,
    };
    const inputs: GraphInputs = [
      { name: 'x', tensor: x, dims: [spec.rows, channels] },
      { name: 'mean', tensor: mean, dims: [channels] },
      { name: 'variance', tensor: variance, dims: [channels] },
    ];
    if (offset) inputs.push({ name: 'offset', tensor: offset, dims: [channels] });
    if (scale) inputs.push({ name: 'scale', tensor: scale, dims: [channels] });
    return runGraph(args, backendName, runtime, 'batchNorm', spec, () => batchNormGraph(spec), inputs, [
      ...x.shape,
    ]);
  };
}
