import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GanError } from '@gankit/core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, restoreOriginalKernels } from '../kernels/registry.js';
import {
  convCases,
  FLAG_PAIRS,
  gradCalls,
  type KernelCall,
  liveCounts,
  type Output,
  relativeError,
  runOriginalCpu,
  runRegistered,
  type Shape4,
  seeded,
  worstError,
} from '../kernels/test-helpers.js';
import { subPixelPhases } from './graphs.js';
import {
  disableNativeKernels,
  enableNativeKernels,
  type NativeKernelBackend,
  nativeKernelStatus,
} from './index.js';
import { encodeOnnxModel, type OnnxGraph } from './onnx-model.js';
import { loadNativeRuntime, MAX_SESSIONS } from './runtime.js';

// Parity of the native (onnxruntime) convolution kernels against the cpu backend's ORIGINAL
// kernels, to 1e-4 relative, on the convolution grid of the gankit kernels' tests.

const TOLERANCE = 1e-4;
const NATIVE_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'BatchMatMul',
  '_FusedMatMul',
  'FusedBatchNorm',
];
const BACKENDS: NativeKernelBackend[] = ['wasm', 'cpu'];

/** Forward convs: dilations 1 and 2, and depths below the native threshold (backend's own). */
function forwardCalls(): KernelCall[] {
  const cases: Array<[Shape4, Shape4, number, number, 'same' | 'valid']> = [
    [[2, 9, 8, 16], [3, 3, 16, 8], 1, 1, 'same'],
    [[1, 11, 10, 8], [3, 3, 8, 5], 2, 1, 'valid'],
    [[2, 10, 10, 32], [3, 2, 32, 4], 1, 2, 'same'],
    [[3, 7, 9, 64], [4, 4, 64, 128], 2, 1, 'same'],
    [[2, 9, 9, 1], [4, 4, 1, 6], 2, 1, 'same'],
    [[1, 12, 13, 128], [1, 1, 128, 3], 3, 1, 'valid'],
    // blocked-layout convs with channels padded to a whole block, dilated too
    [[2, 10, 10, 32], [3, 3, 32, 12], 1, 2, 'same'],
    [[2, 9, 11, 20], [5, 3, 20, 40], 2, 1, 'valid'],
    [[1, 8, 8, 12], [2, 2, 12, 8], 3, 1, 'same'],
    // fewer input channels than a block: the blocked conv on NCHW input (padded outputs too)
    [[3, 12, 11, 1], [4, 4, 1, 16], 2, 1, 'same'],
    [[2, 9, 10, 3], [3, 3, 3, 24], 1, 2, 'valid'],
    [[1, 8, 8, 5], [2, 2, 5, 8], 3, 1, 'same'],
    // fewer output than input channels at stride 1: a product per tap and Col2Im
    [[2, 12, 12, 32], [9, 9, 32, 3], 1, 1, 'same'],
    [[1, 9, 10, 16], [3, 5, 16, 2], 1, 1, 'valid'],
    [[2, 8, 9, 24], [4, 4, 24, 5], 1, 1, 'same'],
    // an im2col matrix of 42M values (over MAX_IM2COL_VALUES), dilated: ONNX Conv between transposes
    [[16, 64, 64, 8], [9, 9, 8, 4], 1, 2, 'same'],
  ];
  return cases.map(([x, filter, s, d, pad], i) => ({
    label: `Conv2D x[${x}] f[${filter}] s${s} d${d} ${pad}`,
    kernelName: 'Conv2D',
    inputs: { x: seeded(x, 200 + i), filter: seeded(filter, 210 + i) },
    attrs: { strides: s, pad, dataFormat: 'NHWC', dilations: d } as NamedAttrMap,
  }));
}

/** Fused convs (bias and each activation), as tfjs-layers' Conv2D runs outside a gradient tape. */
function fusedConvCalls(): KernelCall[] {
  const calls: KernelCall[] = [];
  let seed = 600;
  for (const activation of ['linear', 'relu', 'leakyrelu', 'prelu', 'elu', 'sigmoid']) {
    for (const [x, filter, s, pad] of [
      [[2, 9, 8, 16], [3, 3, 16, 8], 1, 'same'],
      [[2, 12, 12, 32], [9, 9, 32, 3], 1, 'same'],
      [[3, 7, 9, 64], [4, 4, 64, 32], 2, 'valid'],
    ] as Array<[Shape4, Shape4, number, 'same' | 'valid']>) {
      const inputs: KernelCall['inputs'] = { x: seeded(x, seed++), filter: seeded(filter, seed++) };
      if (activation !== 'linear' || seed % 2 === 0) inputs.bias = seeded([filter[3]], seed++);
      if (activation === 'prelu') inputs.preluActivationWeights = seeded([filter[3]], seed++);
      calls.push({
        label: `FusedConv2D x[${x}] f[${filter}] s${s} ${pad} ${activation} bias ${inputs.bias !== undefined}`,
        kernelName: 'FusedConv2D',
        inputs,
        attrs: {
          strides: s,
          pad,
          dataFormat: 'NHWC',
          dilations: 1,
          activation,
          leakyreluAlpha: 0.3,
        } as NamedAttrMap,
      });
    }
  }
  return calls;
}

/**
 * Matrix products large enough to run natively: rank 2 and rank 3 with a batch of one, every
 * transpose pair, fused with bias and each activation; plus a batched product (falls back).
 */
function productCalls(): KernelCall[] {
  const calls: KernelCall[] = [];
  const [m, k, n] = [33, 129, 257];
  let seed = 500;
  for (const [ta, tb] of FLAG_PAIRS) {
    for (const rank of [2, 3]) {
      const shape = (r: number, c: number) => (rank === 3 ? [1, r, c] : [r, c]);
      const a = seeded(ta ? shape(k, m) : shape(m, k), seed++);
      const b = seeded(tb ? shape(n, k) : shape(k, n), seed++);
      const label = `${ta ? 'a^T' : 'a'} ${tb ? 'b^T' : 'b'} rank ${rank}`;
      calls.push({
        label: `BatchMatMul ${label}`,
        kernelName: 'BatchMatMul',
        inputs: { a, b },
        attrs: { transposeA: ta, transposeB: tb },
      });
      for (const activation of ['linear', 'relu', 'sigmoid', 'elu', 'leakyrelu']) {
        calls.push({
          label: `_FusedMatMul ${label} bias ${activation}`,
          kernelName: '_FusedMatMul',
          inputs: { a, b, bias: seeded([n], seed++) },
          attrs: { transposeA: ta, transposeB: tb, activation, leakyreluAlpha: 0.3 },
        });
      }
    }
  }
  calls.push({
    label: 'BatchMatMul batch of 3',
    kernelName: 'BatchMatMul',
    inputs: { a: seeded([3, m, k], seed++), b: seeded([3, k, n], seed++) },
    attrs: { transposeA: false, transposeB: false },
  });
  return calls;
}

/** Batch norms over the last axis, large enough to run natively, with and without offset/scale. */
function batchNormCalls(): KernelCall[] {
  const calls: KernelCall[] = [];
  let seed = 700;
  for (const shape of [
    [2, 32, 33, 40],
    [1100, 64],
  ]) {
    const c = shape.at(-1)!;
    for (const [offset, scale] of FLAG_PAIRS) {
      const inputs: KernelCall['inputs'] = {
        x: seeded(shape, seed++),
        mean: seeded([c], seed++),
        // variance > 0
        variance: { shape: [c], values: seeded([c], seed++).values.map((v) => 0.5 + Math.abs(v)) },
      };
      if (offset) inputs.offset = seeded([c], seed++);
      if (scale) inputs.scale = seeded([c], seed++);
      calls.push({
        label: `FusedBatchNorm x[${shape}] offset ${offset} scale ${scale}`,
        kernelName: 'FusedBatchNorm',
        inputs,
        attrs: { varianceEpsilon: 0.01 },
      });
    }
  }
  return calls;
}

const CALLS: KernelCall[] = [
  ...batchNormCalls(),
  ...forwardCalls(),
  ...fusedConvCalls(),
  ...convCases().flatMap((c, i) => gradCalls(c, 300 + 3 * i)),
  ...productCalls(),
];
const reference = new Map<string, Output[]>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const c of CALLS) reference.set(c.label, runOriginalCpu(c));
});

afterAll(() => {
  for (const b of BACKENDS) {
    disableNativeKernels(b);
    restoreOriginalKernels(b);
  }
});

describe('encodeOnnxModel', () => {
  it('writes a model onnxruntime runs: Transpose, then Concat on axis -1 (a ten-byte varint)', async () => {
    const graph: OnnxGraph = {
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y', shape: [3, 4] }],
      nodes: [
        { opType: 'Transpose', inputs: ['x'], outputs: ['t'], attributes: { perm: [1, 0] } },
        { opType: 'Concat', inputs: ['t', 't'], outputs: ['y'], attributes: { axis: -1 } },
      ],
    };
    const bytes = encodeOnnxModel(graph);
    // field 1 (ir_version), varint 8; field 2 (producer_name), 6 bytes: 'gankit'
    expect(Array.from(bytes.slice(0, 4))).toEqual([0x08, 0x08, 0x12, 0x06]);
    // -1 as an int64 varint after the attribute's field-3 tag: nine 0xff bytes and 0x01
    const minusOne = [0x18, ...Array<number>(9).fill(0xff), 0x01];
    const found = bytes.some((_, i) => minusOne.every((b, j) => bytes[i + j] === b));
    expect(found).toBe(true);
    const runtime = await loadNativeRuntime(1);
    const y = runtime.run(
      'transpose-concat',
      () => graph,
      { x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [2, 3] } },
      'y',
    );
    expect(y.dims).toEqual([3, 4]);
    expect(Array.from(y.data)).toEqual([1, 4, 1, 4, 2, 5, 2, 5, 3, 6, 3, 6]);
    runtime.dispose();
  });

  it('keeps at most MAX_SESSIONS sessions, dropping the least recently used', async () => {
    const runtime = await loadNativeRuntime(1);
    const transpose = (n: number): OnnxGraph => ({
      inputs: [{ name: 'x', shape: [1, n] }],
      outputs: [{ name: 'y', shape: [n, 1] }],
      nodes: [{ opType: 'Transpose', inputs: ['x'], outputs: ['y'], attributes: { perm: [1, 0] } }],
    });
    const run = (n: number) =>
      runtime.run(
        `t${n}`,
        () => transpose(n),
        { x: { data: new Float32Array(n).fill(n), dims: [1, n] } },
        'y',
      );
    for (let n = 1; n <= MAX_SESSIONS; n++) run(n);
    run(1); // now the most recent
    run(MAX_SESSIONS + 1); // evicts t2
    expect(runtime.sessionCount).toBe(MAX_SESSIONS);
    let built = 0;
    const probe = (n: number) =>
      runtime.run(
        `t${n}`,
        () => {
          built++;
          return transpose(n);
        },
        { x: { data: new Float32Array(n), dims: [1, n] } },
        'y',
      );
    probe(1);
    expect(built).toBe(0);
    expect(Array.from(probe(2).data)).toEqual([0, 0]);
    expect(built).toBe(1);
    runtime.dispose();
  });

  it('writes the output into a given array where it can be bound, else returns a copy', async () => {
    const runtime = await loadNativeRuntime(1);
    const graph: OnnxGraph = {
      inputs: [{ name: 'x', shape: [2, 2] }],
      outputs: [{ name: 'y', shape: [2, 2] }],
      nodes: [{ opType: 'Neg', inputs: ['x'], outputs: ['y'] }],
    };
    const x = { data: Float32Array.of(1, -2, 3, -4), dims: [2, 2] };
    const into = new Float32Array(4);
    const bound = runtime.run('neg', () => graph, { x }, 'y', undefined, into);
    expect(bound.data).toBe(into);
    expect(Array.from(into)).toEqual([-1, 2, -3, 4]);
    // shared memory (the threaded wasm heap) cannot be bound: the result comes back separately
    const shared = new Float32Array(new SharedArrayBuffer(16));
    const copied = runtime.run('neg', () => graph, { x }, 'y', undefined, shared);
    expect(copied.data).not.toBe(shared);
    expect(Array.from(copied.data)).toEqual([-1, 2, -3, 4]);
    runtime.dispose();
  });

  it('refuses a non-integer attribute', () => {
    expect(() =>
      encodeOnnxModel({
        inputs: [],
        outputs: [],
        nodes: [{ opType: 'Concat', inputs: [], outputs: [], attributes: { axis: 0.5 } }],
      }),
    ).toThrow(/0.5 is not an integer/);
  });
});

describe('subPixelPhases', () => {
  const axis = (size: number, out: number, kernel: number, stride: number, padBefore: number) => ({
    in: size,
    out,
    kernel,
    stride,
    dilation: 1,
    padBefore,
    padAfter: 0,
  });

  it('splits a k4 s2 "same" input gradient into two 2-tap phases (worked by hand)', () => {
    // row 2m gets dy[m-1] w[3] + dy[m] w[1]; row 2m+1 gets dy[m] w[2] + dy[m+1] w[0]
    expect(subPixelPhases(axis(14, 7, 4, 2, 1))).toEqual({
      length: 7,
      phases: [
        { first: 1, taps: 2, padBefore: 1, padAfter: 0 },
        { first: 0, taps: 2, padBefore: 0, padAfter: 1 },
      ],
    });
  });

  it('gives every phase one length and a stride-1 conv a single phase', () => {
    // x 7 -> dy 3 with k3 s3 'valid': rows 0-2, 3-5 (row 6 unused): 3 phases of one tap
    expect(subPixelPhases(axis(7, 2, 3, 3, 0))).toEqual({
      length: 3,
      phases: [
        { first: 0, taps: 1, padBefore: 0, padAfter: 1 },
        { first: 1, taps: 1, padBefore: 0, padAfter: 1 },
        { first: 2, taps: 1, padBefore: 0, padAfter: 1 },
      ],
    });
    expect(subPixelPhases(axis(9, 9, 3, 1, 1))).toEqual({
      length: 9,
      phases: [{ first: 0, taps: 3, padBefore: 1, padAfter: 1 }],
    });
  });

  it('declines kernels smaller than the stride and leading pads past the taps', () => {
    expect(subPixelPhases(axis(8, 4, 1, 2, 0))).toBeUndefined();
    expect(subPixelPhases(axis(8, 5, 3, 2, 2))).toBeUndefined();
  });
});

describe('native convolution kernels', () => {
  it.each(BACKENDS)('match the cpu originals on the convolution grid (%s)', async (backend) => {
    await tf.setBackend(backend);
    registerTrainingKernels(backend);
    const report = await enableNativeKernels(backend, { threads: 2 });
    expect(report.kernels).toEqual(NATIVE_KERNELS);
    const before = liveCounts();
    const bad: string[] = [];
    for (const c of CALLS) {
      const err = worstError(runRegistered(c), reference.get(c.label)!);
      if (!(err <= TOLERANCE)) bad.push(`${c.label}: ${err}`);
    }
    expect(bad).toEqual([]);
    expect(liveCounts()).toEqual(before);
    // most calls ran natively (the rest fell back: shallow forward convs, leftover rows), each
    // formulation on several shapes
    const status = nativeKernelStatus(backend)!;
    expect(status.runs).toBeGreaterThan(CALLS.length / 2);
    const kinds = [
      'backpropFilter:gemm',
      'backpropFilter:adjoint',
      'conv2d:gemm',
      'conv2d:col2im',
      'backpropInput:onnx',
      'backpropInput:gemm',
      'matMul:gemm',
      'batchNorm',
    ];
    if (status.nchwcBlock >= 8) kinds.push('conv2d:nchwc', 'conv2d:nchwc-nchw', 'backpropInput:nchwc');
    for (const kind of kinds) expect(status.graphs[kind], kind).toBeGreaterThan(2);
    expect(status.graphs['conv2d:onnx']).toBe(1);
    disableNativeKernels(backend);
  });

  it('give whole-layer gradients equal to the wasm kernels', async () => {
    await tf.setBackend('wasm');
    registerTrainingKernels('wasm');
    const x = tfl.input({ shape: [12, 12, 3] });
    let h = tfl.layers
      .conv2d({ filters: 16, kernelSize: 4, strides: 2, padding: 'same' })
      .apply(x) as tfl.SymbolicTensor;
    h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers
      .conv2dTranspose({ filters: 8, kernelSize: 4, strides: 2, padding: 'same' })
      .apply(h) as tfl.SymbolicTensor;
    h = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, strides: 3, padding: 'valid' })
      .apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: h });
    const input = tf.randomNormal([3, 12, 12, 3], 0, 1, 'float32', 7);
    const grads = () =>
      tf.tidy(() => {
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(model.apply(input) as tf.Tensor)), vars);
        return vars.map((v) => Array.from(g[v.name]!.dataSync()));
      });
    const want = grads();
    await enableNativeKernels('wasm', { threads: 2 });
    const before = tf.memory().numTensors;
    const got = grads();
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, g] of got.entries()) expect(relativeError(g, want[i]!)).toBeLessThan(TOLERANCE);
    disableNativeKernels('wasm');
    input.dispose();
    model.dispose();
  });

  it('are idempotent, report themselves and put the kernels back', async () => {
    await tf.setBackend('cpu');
    registerTrainingKernels('cpu');
    const own = tf.getKernel('Conv2DBackpropFilter', 'cpu');
    expect(nativeKernelStatus('cpu')).toBeUndefined();
    const first = await enableNativeKernels('cpu', { threads: 1 });
    expect(first.changed).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).not.toBe(own);
    const again = await enableNativeKernels('cpu');
    expect({ ...again, changed: true }).toEqual(first);
    expect(nativeKernelStatus('cpu')).toMatchObject({ threads: 1, sessions: 0, runs: 0 });
    expect(disableNativeKernels('cpu')).toEqual(NATIVE_KERNELS);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBe(own);
    expect(disableNativeKernels('cpu')).toEqual([]);
  });

  it('reject bad arguments with a GanError', async () => {
    await expect(enableNativeKernels('webgpu' as NativeKernelBackend)).rejects.toThrow(
      new GanError(
        'INVALID_ARGUMENT',
        "enableNativeKernels: backendName must be 'wasm' or 'cpu', got 'webgpu'",
      ),
    );
    await expect(enableNativeKernels('cpu', { threads: 0 })).rejects.toThrow(
      /threads must be an integer >= 1, got 0/,
    );
  });
});
