import type { OnnxAttribute, OnnxGraph, OnnxNode } from './onnx-model.js';

/**
 * ONNX graphs for the convolutions of a training step in tfjs' NHWC layout, built on the two
 * fastest things MLAS has: its blocked-layout ("NCHWc") direct convolution, an onnxruntime
 * contrib op that graph optimisation normally inserts only for constant weights, and its
 * SGEMM. On a 2-core AVX-512 machine the DCGAN's [64,14,14,64] * [4,4,64,128] conv takes
 * 2.6 ms as an NCHWc conv against 9.0 ms as a plain ONNX Conv between transposes.
 */

/** onnxruntime's operator set of blocked-layout ops (ReorderInput, Conv, ReorderOutput). */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

/** A conv's geometry along one spatial axis. */
export interface AxisGeometry {
  /** The conv's input size (also the size of its input gradient). */
  in: number;
  /** The conv's output size (also the size of dy). */
  out: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** Padding before the first row and after the last. */
  padBefore: number;
  padAfter: number;
}

/** A 2-D conv in NHWC with a [kh, kw, Ci, Co] filter. */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  h: AxisGeometry;
  w: AxisGeometry;
}

/** Accumulates nodes and names constants and intermediate values. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  private next = 0;

  /** A fresh value name. */
  name(hint: string): string {
    return `${hint}_${this.next++}`;
  }

  /** An int64 constant (shapes, pads, slice bounds). */
  ints(values: number[]): string {
    const out = this.name('c');
    this.nodes.push({ opType: 'Constant', inputs: [], outputs: [out], attributes: { value_ints: values } });
    return out;
  }

  op(opType: string, inputs: string[], attributes?: Record<string, OnnxAttribute>, domain?: string): string {
    const out = this.name(opType);
    this.nodes.push({
      opType,
      inputs,
      outputs: [out],
      ...(attributes ? { attributes } : {}),
      ...(domain ? { domain } : {}),
    });
    return out;
  }

  /** Renames the last node's output, so the graph ends in a named output. */
  finish(output: string, last: string): void {
    const node = this.nodes.at(-1);
    if (node?.outputs[0] !== last) {
      this.nodes.push({ opType: 'Identity', inputs: [last], outputs: [output] });
      return;
    }
    node.outputs[0] = output;
  }
}

const roundUp = (n: number, block: number) => Math.ceil(n / block) * block;

/** The NHWC shapes of conv `c`: its input, its filter, and its output (also dy's shape). */
function convShapes(c: ConvGeometry): { input: number[]; filter: number[]; output: number[] } {
  const { h, w } = c;
  return {
    input: [c.batch, h.in, w.in, c.inChannels],
    filter: [h.kernel, w.kernel, c.inChannels, c.outChannels],
    output: [c.batch, h.out, w.out, c.outChannels],
  };
}

/** An input gradient's graph: inputs `dy` and `w`, output `y` shaped as the conv's input. */
function inputGradientGraph(c: ConvGeometry, nodes: OnnxNode[]): OnnxGraph {
  const shapes = convShapes(c);
  return {
    inputs: [
      { name: 'dy', shape: shapes.output },
      { name: 'w', shape: shapes.filter },
    ],
    outputs: [{ name: 'y', shape: shapes.input }],
    nodes,
  };
}

/** A filter gradient's graph: inputs `x` and `dy`, output `y` shaped as the filter. */
function filterGradientGraph(c: ConvGeometry, nodes: OnnxNode[]): OnnxGraph {
  const shapes = convShapes(c);
  return {
    inputs: [
      { name: 'x', shape: shapes.input },
      { name: 'dy', shape: shapes.output },
    ],
    outputs: [{ name: 'y', shape: shapes.filter }],
    nodes,
  };
}

/** A forward conv's graph: inputs `x` and `w`, output `y` (see {@link convShapes}). */
function forwardConvGraph(c: ConvGeometry, nodes: OnnxNode[]): OnnxGraph {
  const shapes = convShapes(c);
  return {
    inputs: [
      { name: 'x', shape: shapes.input },
      { name: 'w', shape: shapes.filter },
    ],
    outputs: [{ name: 'y', shape: shapes.output }],
    nodes,
  };
}

/**
 * A [kh, kw, Ci, Co] filter in MLAS's blocked order for a conv of Ci -> Co channels: both
 * padded with zeros to whole blocks, then [Co/B, Ci/B, kh, kw, B(in), B(out)], which the
 * NCHWc conv reads with the shape [Co', Ci', kh, kw].
 */
function blockedFilter(g: GraphBuilder, filter: string, shape: number[], block: number): string {
  const [kh = 0, kw = 0, ci = 0, co = 0] = shape;
  const [ciP, coP] = [roundUp(ci, block), roundUp(co, block)];
  const padded =
    ciP === ci && coP === co ? filter : g.op('Pad', [filter, g.ints([0, 0, 0, 0, 0, 0, ciP - ci, coP - co])]);
  const split = g.op('Reshape', [padded, g.ints([kh, kw, ciP / block, block, coP / block, block])]);
  const ordered = g.op('Transpose', [split], { perm: [4, 2, 0, 1, 3, 5] });
  return g.op('Reshape', [ordered, g.ints([coP, ciP, kh, kw])]);
}

/** NHWC -> NCHWc conv -> NHWC, the filter reordered in the graph. */
function nchwcConv(
  g: GraphBuilder,
  x: string,
  filter: string,
  filterShape: number[],
  outChannels: number,
  attributes: Record<string, number[]>,
  block: number,
): string {
  const xc = g.op('ReorderInput', [x], { channels_last: 1 }, NCHWC_DOMAIN);
  const wc = blockedFilter(g, filter, filterShape, block);
  const yc = g.op('Conv', [xc, wc], attributes, NCHWC_DOMAIN);
  return g.op('ReorderOutput', [yc], { channels: outChannels, channels_last: 1 }, NCHWC_DOMAIN);
}

/**
 * Conv2D: inputs `x` [N,H,W,Ci] and `w` [kh,kw,Ci,Co], output `y` [N,Ho,Wo,Co], as one NCHWc
 * conv (MLAS's direct convolution with AVX2 / AVX-512 kernels).
 */
export function conv2dGraph(c: ConvGeometry, block: number): OnnxGraph {
  const g = new GraphBuilder();
  const { h, w } = c;
  const y = nchwcConv(
    g,
    'x',
    'w',
    [h.kernel, w.kernel, c.inChannels, c.outChannels],
    c.outChannels,
    {
      kernel_shape: [h.kernel, w.kernel],
      strides: [h.stride, w.stride],
      dilations: [h.dilation, w.dilation],
      pads: [h.padBefore, w.padBefore, h.padAfter, w.padAfter],
    },
    block,
  );
  g.finish('y', y);
  return forwardConvGraph(c, g.nodes);
}

/**
 * Conv2D with fewer input channels than a block (an image's first layer): inputs `x`
 * [N,H,W,Ci] and `w` [kh,kw,Ci,Co], output `y` [N,Ho,Wo,Co], as MLAS's blocked conv reading a
 * plain NCHW input (x itself when Ci = 1) with the filter as [Co/B, Ci, kh, kw, B(out)]:
 * [64,28,28,1] * [4,4,1,64] in 0.35 ms against 0.67 ms as im2col and one product.
 */
export function conv2dNchwInputGraph(c: ConvGeometry, block: number): OnnxGraph {
  const g = new GraphBuilder();
  const { h, w } = c;
  const ci = c.inChannels;
  const coP = roundUp(c.outChannels, block);
  const x =
    ci === 1
      ? g.op('Reshape', ['x', g.ints([c.batch, 1, h.in, w.in])])
      : g.op('Transpose', ['x'], { perm: [0, 3, 1, 2] });
  const padded =
    coP === c.outChannels ? 'w' : g.op('Pad', ['w', g.ints([0, 0, 0, 0, 0, 0, 0, coP - c.outChannels])]);
  const split = g.op('Reshape', [padded, g.ints([h.kernel, w.kernel, ci, coP / block, block])]);
  const ordered = g.op('Transpose', [split], { perm: [3, 2, 0, 1, 4] });
  const filter = g.op('Reshape', [ordered, g.ints([coP, ci, h.kernel, w.kernel])]);
  const yc = g.op(
    'Conv',
    [x, filter],
    {
      kernel_shape: [h.kernel, w.kernel],
      strides: [h.stride, w.stride],
      dilations: [h.dilation, w.dilation],
      pads: [h.padBefore, w.padBefore, h.padAfter, w.padAfter],
    },
    NCHWC_DOMAIN,
  );
  g.finish('y', g.op('ReorderOutput', [yc], { channels: c.outChannels, channels_last: 1 }, NCHWC_DOMAIN));
  return forwardConvGraph(c, g.nodes);
}

/** One output phase of a strided transposed conv along one axis (see {@link subPixelPhases}). */
export interface Phase {
  /** Kernel taps this phase uses: r, r + s, r + 2s, ... */
  first: number;
  taps: number;
  padBefore: number;
  padAfter: number;
}

/**
 * The input gradient of a stride-s conv along one axis, split by output phase q = i mod s:
 * rows i = s*m + q receive dy[m + base - t] * w[s*t + r] (r = (q + p) mod s), a stride-1
 * conv of dy with the taps r, r + s, ... reversed. Every phase gets the same output length
 * (the extra rows are cut after interleaving). Undefined when a phase has no taps (kernel
 * smaller than the stride) or would need a negative leading pad.
 */
export function subPixelPhases(a: AxisGeometry): { phases: Phase[]; length: number } | undefined {
  if (a.dilation !== 1) return undefined;
  const s = a.stride;
  const raw = [];
  for (let q = 0; q < s; q++) {
    const r = (q + a.padBefore) % s;
    const base = Math.floor((q + a.padBefore) / s);
    const taps = r < a.kernel ? Math.ceil((a.kernel - r) / s) : 0;
    const padBefore = taps - 1 - base;
    if (taps === 0 || padBefore < 0) return undefined;
    raw.push({ first: r, taps, padBefore });
  }
  // output length of a stride-1 conv: out + padBefore + padAfter - taps + 1, at least ceil(in/s)
  const wanted = Math.ceil(a.in / s);
  const length = Math.max(wanted, ...raw.map((p) => a.out + p.padBefore - p.taps + 1));
  const phases = raw.map((p) => ({ ...p, padAfter: length - a.out - p.padBefore + p.taps - 1 }));
  return { phases, length };
}

/** Whether both axes of `c` split into sub-pixel phases ({@link conv2dBackpropInputGraph} applies). */
export function hasSubPixelPhases(c: ConvGeometry): boolean {
  return subPixelPhases(c.h) !== undefined && subPixelPhases(c.w) !== undefined;
}

/**
 * Conv2DBackpropInput (and conv2dTranspose's forward pass): inputs `dy` [N,Ho,Wo,Co] and `w`
 * [kh,kw,Ci,Co], output `y` [N,H,W,Ci]. One stride-1 NCHWc conv per output phase (sh * sw of
 * them, each over the filter taps that reach that phase, reversed), interleaved. This does the
 * transposed conv's FLOPs once, where a conv over dy dilated with zeros would do s^2 times as
 * many. Only for geometries {@link hasSubPixelPhases} accepts.
 */
export function conv2dBackpropInputGraph(c: ConvGeometry, block: number): OnnxGraph {
  const ph = subPixelPhases(c.h);
  const pw = subPixelPhases(c.w);
  if (ph === undefined || pw === undefined) {
    throw new RangeError(
      'conv2dBackpropInputGraph: no sub-pixel phases for this geometry (see hasSubPixelPhases)',
    );
  }
  const g = new GraphBuilder();
  const { h, w } = c;
  // the phase convs map dy's Co channels to Ci: reorder the whole filter once into the blocked
  // order [Ci'/B, Co'/B, kh, kw, B(co), B(ci)]; each phase then slices its taps, reversed
  const [ciP, coP] = [roundUp(c.inChannels, block), roundUp(c.outChannels, block)];
  const padded =
    ciP === c.inChannels && coP === c.outChannels
      ? 'w'
      : g.op('Pad', ['w', g.ints([0, 0, 0, 0, 0, 0, ciP - c.inChannels, coP - c.outChannels])]);
  // a 2-D transpose to [Co', kh, kw, Ci'] first keeps the 6-D one's innermost axis contiguous
  const rows = g.op('Reshape', [padded, g.ints([h.kernel * w.kernel * ciP, coP])]);
  const columns = g.op('Transpose', [rows], { perm: [1, 0] });
  const split = g.op('Reshape', [
    columns,
    g.ints([coP / block, block, h.kernel * w.kernel, ciP / block, block]),
  ]);
  const ordered = g.op('Transpose', [split], { perm: [3, 0, 2, 1, 4] });
  const blocked = g.op('Reshape', [
    ordered,
    g.ints([ciP / block, coP / block, h.kernel, w.kernel, block, block]),
  ]);
  const dyc = g.op('ReorderInput', ['dy'], { channels_last: 1 }, NCHWC_DOMAIN);
  const tapAxes = g.ints([2, 3]);
  const tapSteps = g.ints([-h.stride, -w.stride]);
  const parts: string[] = [];
  for (const a of ph.phases) {
    for (const b of pw.phases) {
      // taps first + s*(taps-1), ..., first: a slice with a negative step (the end is exclusive;
      // past the front it is written as -(kernel + 1))
      const lastH = a.first + h.stride * (a.taps - 1);
      const lastW = b.first + w.stride * (b.taps - 1);
      const endH = a.first - h.stride >= 0 ? a.first - h.stride : -(h.kernel + 1);
      const endW = b.first - w.stride >= 0 ? b.first - w.stride : -(w.kernel + 1);
      const taps = g.op('Slice', [blocked, g.ints([lastH, lastW]), g.ints([endH, endW]), tapAxes, tapSteps]);
      const filter = g.op('Reshape', [taps, g.ints([ciP, coP, a.taps, b.taps])]);
      const yc = g.op(
        'Conv',
        [dyc, filter],
        {
          kernel_shape: [a.taps, b.taps],
          strides: [1, 1],
          dilations: [1, 1],
          pads: [a.padBefore, b.padBefore, a.padAfter, b.padAfter],
        },
        NCHWC_DOMAIN,
      );
      parts.push(g.op('ReorderOutput', [yc], { channels: c.inChannels, channels_last: 1 }, NCHWC_DOMAIN));
    }
  }
  let y = parts[0] ?? '';
  if (parts.length > 1) {
    // [N, Mh, Mw, sh*sw*Ci] -> [N, Mh, sh, Mw, sw, Ci] -> [N, Mh*sh, Mw*sw, Ci]
    const stacked = g.op('Concat', parts, { axis: 3 });
    const split = g.op('Reshape', [
      stacked,
      g.ints([c.batch, ph.length, pw.length, h.stride, w.stride, c.inChannels]),
    ]);
    const interleaved = g.op('Transpose', [split], { perm: [0, 1, 3, 2, 4, 5] });
    y = g.op('Reshape', [
      interleaved,
      g.ints([c.batch, ph.length * h.stride, pw.length * w.stride, c.inChannels]),
    ]);
  }
  if (ph.length * h.stride !== h.in || pw.length * w.stride !== w.in) {
    y = g.op('Slice', [y, g.ints([0, 0]), g.ints([h.in, w.in]), g.ints([1, 2])]);
  }
  g.finish('y', y);
  return inputGradientGraph(c, g.nodes);
}

/** Values in the im2col matrix of a conv (see {@link conv2dBackpropFilterGraph}). */
export function im2colSize(c: ConvGeometry): number {
  return c.batch * c.h.out * c.w.out * c.h.kernel * c.w.kernel * c.inChannels;
}

/**
 * The im2col matrix of `x` [N,H,W,Ci] for conv `c`: one strided slice of the padded x per
 * kernel tap, concatenated along channels into [N*Ho*Wo, kh*kw*Ci] (the filter's row order).
 */
function im2col(g: GraphBuilder, x: string, c: ConvGeometry): string {
  const { h, w } = c;
  const cols = tapSlices(g, x, c, 1);
  const patches = cols.length === 1 ? (cols[0] ?? '') : g.op('Concat', cols, { axis: 3 });
  return g.op('Reshape', [patches, g.ints([c.batch * h.out * w.out, h.kernel * w.kernel * c.inChannels])]);
}

/**
 * One strided slice per kernel tap (row-major tap order) of the rank-4 tensor `x` whose
 * spatial axes are `axis` and `axis + 1`, padded first to a size every tap's slice fits in
 * (padAfter may be more than a conv needs).
 */
function tapSlices(g: GraphBuilder, x: string, c: ConvGeometry, axis: 1 | 2): string[] {
  const { h, w } = c;
  const needH = (h.kernel - 1) * h.dilation + h.stride * (h.out - 1) + 1;
  const needW = (w.kernel - 1) * w.dilation + w.stride * (w.out - 1) + 1;
  const afterH = Math.max(0, needH - h.padBefore - h.in);
  const afterW = Math.max(0, needW - w.padBefore - w.in);
  const pads = [0, 0, 0, 0, 0, 0, 0, 0];
  [pads[axis], pads[axis + 1], pads[axis + 4], pads[axis + 5]] = [h.padBefore, w.padBefore, afterH, afterW];
  const padded = pads.every((p) => p === 0) ? x : g.op('Pad', [x, g.ints(pads)]);
  const axes = g.ints([axis, axis + 1]);
  const steps = g.ints([h.stride, w.stride]);
  const cols: string[] = [];
  for (let i = 0; i < h.kernel; i++) {
    for (let j = 0; j < w.kernel; j++) {
      const [top, left] = [i * h.dilation, j * w.dilation];
      const ends = g.ints([top + h.stride * (h.out - 1) + 1, left + w.stride * (w.out - 1) + 1]);
      cols.push(g.op('Slice', [padded, g.ints([top, left]), ends, axes, steps]));
    }
  }
  return cols;
}

/**
 * Conv2DBackpropFilter: inputs `x` [N,H,W,Ci] and `dy` [N,Ho,Wo,Co], output `y` [kh,kw,Ci,Co]:
 * im2col of x, then one SGEMM with dy: dW = cols^T * dy. The single large product runs near
 * MLAS's peak, where a conv formulation (x^T convolved with dy^T as a dilated filter) has 4x4
 * outputs and runs at a third of it.
 */
export function conv2dBackpropFilterGraph(c: ConvGeometry): OnnxGraph {
  const g = new GraphBuilder();
  const { h, w } = c;
  const grads = g.op('Reshape', ['dy', g.ints([c.batch * h.out * w.out, c.outChannels])]);
  const product = g.op('Gemm', [im2col(g, 'x', c), grads], { transA: 1 });
  g.finish('y', g.op('Reshape', [product, g.ints([h.kernel, w.kernel, c.inChannels, c.outChannels])]));
  return filterGradientGraph(c, g.nodes);
}

/**
 * Conv2D where the blocked conv does not fit the channel counts (too few output channels, or
 * input channels not in whole groups of 4): inputs `x` [N,H,W,Ci] and `w` [kh,kw,Ci,Co],
 * output `y` [N,Ho,Wo,Co], as im2col of x times the filter read as [kh*kw*Ci, Co].
 */
export function conv2dIm2colGraph(c: ConvGeometry): OnnxGraph {
  const g = new GraphBuilder();
  const { h, w } = c;
  const filter = g.op('Reshape', ['w', g.ints([h.kernel * w.kernel * c.inChannels, c.outChannels])]);
  const product = g.op('MatMul', [im2col(g, 'x', c), filter]);
  g.finish('y', g.op('Reshape', [product, g.ints([c.batch, h.out, w.out, c.outChannels])]));
  return forwardConvGraph(c, g.nodes);
}

/**
 * A graph that reports MLAS's NCHWc block size: ReorderInput pads four channels (it takes
 * multiples of 4) to a whole block. Its input `x` is [1,1,1,4], its output `y` [1,block,1,1].
 */
export function blockProbeGraph(): OnnxGraph {
  return {
    inputs: [{ name: 'x', shape: [1, 1, 1, 4] }],
    outputs: [{ name: 'y', shape: [1, -1, 1, 1] }],
    nodes: [
      {
        opType: 'ReorderInput',
        inputs: ['x'],
        outputs: ['y'],
        attributes: { channels_last: 1 },
        domain: NCHWC_DOMAIN,
      },
    ],
  };
}

/** Activations a native fused product applies (tfjs' names); prelu and relu6 stay on the backend. */
export const MATMUL_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'elu', 'leakyrelu'] as const;

/** The activation of a fused product. */
export type MatMulActivation = (typeof MATMUL_ACTIVATIONS)[number];

/** A 2-D product `a` [M,K] (or [K,M] transposed) times `b` [K,N] (or [N,K]), as one Gemm. */
export interface MatMulSpec {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  /** A bias of N values (`bias` input) added to every row. */
  bias: boolean;
  activation: MatMulActivation;
  /** LeakyReLU's slope for negative values. */
  leakyreluAlpha: number;
}

const ONNX_ACTIVATION: Record<Exclude<MatMulActivation, 'linear' | 'leakyrelu'>, string> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  elu: 'Elu', // alpha 1, as tfjs' elu
};

/**
 * BatchMatMul / _FusedMatMul with one matrix on each side: inputs `a`, `b` (and `bias`),
 * output `y` [M,N], as one Gemm (MLAS SGEMM) and the activation.
 */
export function matMulGraph(s: MatMulSpec): OnnxGraph {
  const g = new GraphBuilder();
  const inputs = [
    { name: 'a', shape: s.transposeA ? [s.k, s.m] : [s.m, s.k] },
    { name: 'b', shape: s.transposeB ? [s.n, s.k] : [s.k, s.n] },
  ];
  if (s.bias) inputs.push({ name: 'bias', shape: [s.n] });
  let y = g.op('Gemm', s.bias ? ['a', 'b', 'bias'] : ['a', 'b'], {
    transA: s.transposeA ? 1 : 0,
    transB: s.transposeB ? 1 : 0,
  });
  if (s.activation === 'leakyrelu') {
    y = g.op('LeakyRelu', [y], { alpha: { float: s.leakyreluAlpha } });
  } else if (s.activation !== 'linear') {
    y = g.op(ONNX_ACTIVATION[s.activation], [y]);
  }
  g.finish('y', y);
  return { inputs, outputs: [{ name: 'y', shape: [s.m, s.n] }], nodes: g.nodes };
}

/** A float32 scalar constant. */
function floatConstant(g: GraphBuilder, value: number): string {
  const out = g.name('f');
  g.nodes.push({
    opType: 'Constant',
    inputs: [],
    outputs: [out],
    attributes: { value_float: { float: value } },
  });
  return out;
}

/** What a batch norm applies besides the normalisation. */
export interface BatchNormSpec {
  /** Values per channel (the product of every axis but the last). */
  rows: number;
  channels: number;
  epsilon: number;
  offset: boolean;
  scale: boolean;
}

/**
 * FusedBatchNorm over the last axis (NHWC): inputs `x` [rows, C], `mean`, `variance` and
 * optionally `offset`, `scale` [C]; output `y` [rows, C] = x * a + b with
 * a = scale / sqrt(variance + epsilon) and b = offset - mean * a. (ONNX BatchNormalization
 * reads channels on axis 1 and would loop over one-value planes here.)
 */
export function batchNormGraph(s: BatchNormSpec): OnnxGraph {
  const g = new GraphBuilder();
  const inputs = ['x', 'mean', 'variance', ...(s.offset ? ['offset'] : []), ...(s.scale ? ['scale'] : [])];
  const inverse = g.op('Reciprocal', [
    g.op('Sqrt', [g.op('Add', ['variance', floatConstant(g, s.epsilon)])]),
  ]);
  const a = s.scale ? g.op('Mul', ['scale', inverse]) : inverse;
  const shift = g.op('Mul', ['mean', a]);
  const b = s.offset ? g.op('Sub', ['offset', shift]) : g.op('Neg', [shift]);
  g.finish('y', g.op('Add', [g.op('Mul', ['x', a]), b]));
  return {
    inputs: inputs.map((name) => ({ name, shape: name === 'x' ? [s.rows, s.channels] : [s.channels] })),
    outputs: [{ name: 'y', shape: [s.rows, s.channels] }],
    nodes: g.nodes,
  };
}

/**
 * The geometry of a stride-1 conv's adjoint: the conv of dy (Co channels) with the filter's
 * taps reversed, back to the input's size (Ci channels). Undefined unless `c` has stride and
 * dilation 1 and pads of at most kernel - 1 on every side (every 'same' and 'valid' conv).
 */
export function adjointGeometry(c: ConvGeometry): ConvGeometry | undefined {
  const axis = (a: AxisGeometry): AxisGeometry | undefined => {
    const fits = (p: number) => p >= 0 && p <= a.kernel - 1;
    if (a.stride !== 1 || a.dilation !== 1 || !fits(a.padBefore) || !fits(a.padAfter)) return undefined;
    return {
      in: a.out,
      out: a.in,
      kernel: a.kernel,
      stride: 1,
      dilation: 1,
      padBefore: a.kernel - 1 - a.padBefore,
      padAfter: a.kernel - 1 - a.padAfter,
    };
  };
  const h = axis(c.h);
  const w = axis(c.w);
  if (h === undefined || w === undefined) return undefined;
  return { batch: c.batch, inChannels: c.outChannels, outChannels: c.inChannels, h, w };
}

/** The filter `w` [kh,kw,Ci,Co] with its taps in reverse order along both spatial axes. */
function reversedTaps(g: GraphBuilder, filter: string, c: ConvGeometry): string {
  const ends = g.ints([-(c.h.kernel + 1), -(c.w.kernel + 1)]);
  return g.op('Slice', [
    filter,
    g.ints([c.h.kernel - 1, c.w.kernel - 1]),
    ends,
    g.ints([0, 1]),
    g.ints([-1, -1]),
  ]);
}

function requireAdjoint(fn: string, c: ConvGeometry): ConvGeometry {
  const adjoint = adjointGeometry(c);
  if (adjoint === undefined)
    throw new RangeError(`${fn}: the conv has no stride-1 adjoint (see adjointGeometry)`);
  return adjoint;
}

/**
 * The im2col matrix of `x` [N,H,W,C] for conv `c` with channels first: [kh*kw*C, N*Ho*Wo],
 * rows in the filter's (tap, channel) order. Each tap's slice is a whole [C, N, Ho, Wo] block,
 * so a few channels still copy in long runs (where channels-last im2col moves C values at a
 * time).
 */
function im2colChannelsFirst(g: GraphBuilder, x: string, c: ConvGeometry): string {
  const { h, w } = c;
  const cols = tapSlices(g, g.op('Transpose', [x], { perm: [3, 0, 1, 2] }), c, 2);
  const patches = cols.length === 1 ? (cols[0] ?? '') : g.op('Concat', cols, { axis: 0 });
  return g.op('Reshape', [patches, g.ints([h.kernel * w.kernel * c.inChannels, c.batch * h.out * w.out])]);
}

/**
 * Conv2DBackpropInput of a stride-1 conv with too few output channels for the blocked conv
 * (an image's last layer): inputs `dy` [N,Ho,Wo,Co] and `w` [kh,kw,Ci,Co], output `y`
 * [N,H,W,Ci], as the reversed filter read as [Ci, kh*kw*Co] times the im2col matrix of dy
 * (Co channels: small). SRResNet's last 9x9 conv, 32 -> 3 channels at 48x48 and batch 16,
 * takes ~10 ms so against 86 ms as ConvTranspose.
 */
export function conv2dBackpropInputIm2colGraph(c: ConvGeometry): OnnxGraph {
  const adjoint = requireAdjoint('conv2dBackpropInputIm2colGraph', c);
  const g = new GraphBuilder();
  const { h, w } = c;
  const swapped = g.op('Transpose', [reversedTaps(g, 'w', c)], { perm: [2, 0, 1, 3] });
  const filter = g.op('Reshape', [swapped, g.ints([c.inChannels, h.kernel * w.kernel * c.outChannels])]);
  const product = g.op('MatMul', [filter, im2colChannelsFirst(g, 'dy', adjoint)]);
  const planes = g.op('Reshape', [product, g.ints([c.inChannels, c.batch, h.in, w.in])]);
  g.finish('y', g.op('Transpose', [planes], { perm: [1, 2, 3, 0] }));
  return inputGradientGraph(c, g.nodes);
}

/**
 * Conv2DBackpropFilter of a stride-1 conv with fewer output than input channels: inputs `x`
 * [N,H,W,Ci] and `dy` [N,Ho,Wo,Co], output `y` [kh,kw,Ci,Co], as x (channels first) times
 * the im2col matrix of dy for the adjoint conv (kh*kw*Co rows instead of x's kh*kw*Ci), the
 * taps reversed back after the product.
 */
export function conv2dBackpropFilterAdjointGraph(c: ConvGeometry): OnnxGraph {
  const adjoint = requireAdjoint('conv2dBackpropFilterAdjointGraph', c);
  const g = new GraphBuilder();
  const { h, w } = c;
  const planes = g.op('Transpose', ['x'], { perm: [3, 0, 1, 2] });
  const rows = g.op('Reshape', [planes, g.ints([c.inChannels, c.batch * h.in * w.in])]);
  const product = g.op('Gemm', [rows, im2colChannelsFirst(g, 'dy', adjoint)], { transB: 1 });
  const split = g.op('Reshape', [product, g.ints([c.inChannels, h.kernel, w.kernel, c.outChannels])]);
  const ordered = g.op('Transpose', [split], { perm: [1, 2, 0, 3] });
  g.finish('y', reversedTaps(g, ordered, c));
  return filterGradientGraph(c, g.nodes);
}

/**
 * Conv2D of stride 1 with few output channels: inputs `x` [N,H,W,Ci] and `w` [kh,kw,Ci,Co],
 * output `y` [N,Ho,Wo,Co]. Every input pixel times every tap first (one product: the reversed
 * filter as [Co*kh*kw, Ci] times x as [N, Ci, H*W]), then Col2Im adds each tap's share into
 * the output pixel it lands on. The intermediate has kh*kw*Co values per pixel where im2col of
 * x would have kh*kw*Ci.
 */
export function conv2dCol2ImGraph(c: ConvGeometry): OnnxGraph {
  const adjoint = requireAdjoint('conv2dCol2ImGraph', c);
  const g = new GraphBuilder();
  const { h, w } = c;
  const taps = h.kernel * w.kernel;
  const ordered = g.op('Transpose', [reversedTaps(g, 'w', c)], { perm: [3, 0, 1, 2] });
  const filter = g.op('Reshape', [ordered, g.ints([c.outChannels * taps, c.inChannels])]);
  const channelsFirst = g.op('Transpose', ['x'], { perm: [0, 3, 1, 2] });
  const pixels = g.op('Reshape', [channelsFirst, g.ints([c.batch, c.inChannels, h.in * w.in])]);
  const products = g.op('MatMul', [filter, pixels]);
  const summed = g.op('Col2Im', [products, g.ints([h.out, w.out]), g.ints([h.kernel, w.kernel])], {
    pads: [adjoint.h.padBefore, adjoint.w.padBefore, adjoint.h.padAfter, adjoint.w.padAfter],
  });
  g.finish('y', g.op('Transpose', [summed], { perm: [0, 2, 3, 1] }));
  return forwardConvGraph(c, g.nodes);
}
