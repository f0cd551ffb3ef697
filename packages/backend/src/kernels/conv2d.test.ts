import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setGemmLimits } from './conv2d.js';
import { registerTrainingKernels, restoreOriginalKernels } from './registry.js';
import {
  convCases,
  gradCalls,
  type KernelCall,
  liveCounts,
  type Output,
  runOriginalCpu,
  runRegistered,
  type Shape4,
  seeded,
  tensorOf,
  worstError,
} from './test-helpers.js';

// Parity of gankit's convolution kernels against the cpu backend's ORIGINAL kernels, to 1e-4
// relative (max abs diff / max abs reference), on a grid of odd sizes, batch 1, strides 1-3
// (equal and not), 'same', 'valid', explicit and numeric padding, 1..128 channels.

const TOLERANCE = 1e-4;

/** Forward convs with 'same' padding where the total padding would be negative. */
function forwardCalls(): KernelCall[] {
  const calls: KernelCall[] = [];
  const cases: Array<[Shape4, number, number]> = [
    [[2, 6, 7, 3], 1, 2],
    [[2, 9, 9, 3], 2, 3],
    [[1, 8, 8, 2], 2, 4],
    [[2, 7, 7, 4], 3, 2],
  ];
  cases.forEach(([x, k, s], i) => {
    const base = { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as NamedAttrMap;
    const filter = seeded([k, k + 1, x[3], 5], 50 + i);
    calls.push({
      label: `Conv2D same x[${x}] k${k} s${s}`,
      kernelName: 'Conv2D',
      inputs: { x: seeded(x, 40 + i), filter },
      attrs: base,
    });
    calls.push({
      label: `FusedConv2D same relu x[${x}] k${k} s${s}`,
      kernelName: 'FusedConv2D',
      inputs: { x: seeded(x, 40 + i), filter, bias: seeded([5], 60 + i) },
      attrs: { ...base, activation: 'relu' },
    });
    calls.push({
      label: `FusedDepthwiseConv2D same x[${x}] k${k} s${s}`,
      kernelName: 'FusedDepthwiseConv2D',
      inputs: {
        x: seeded(x, 40 + i),
        filter: seeded([k, k + 1, x[3], 2], 70 + i),
        bias: seeded([x[3] * 2], 80 + i),
      },
      attrs: { ...base, activation: 'linear' },
    });
    calls.push({
      label: `DepthwiseConv2dNative same x[${x}] k${k} s${s}`,
      kernelName: 'DepthwiseConv2dNative',
      inputs: { x: seeded(x, 40 + i), filter: seeded([k, k + 1, x[3], 2], 70 + i) },
      attrs: base,
    });
  });
  return calls;
}

type DepthwiseCase = [Shape4, Shape4, number, number, 'same' | 'valid'];

// x, filter [kh,kw,C,M], stride, dilation, padding
const DEPTHWISE: DepthwiseCase[] = [
  [[2, 7, 7, 3], [3, 3, 3, 1], 1, 1, 'same'],
  [[1, 9, 8, 4], [3, 2, 4, 2], 2, 1, 'valid'],
  [[2, 8, 8, 2], [4, 4, 2, 2], 2, 1, 'same'],
  [[1, 6, 6, 64], [3, 3, 64, 1], 3, 1, 'same'],
  [[1, 9, 9, 3], [3, 3, 3, 2], 1, 2, 'same'],
  [[2, 11, 10, 5], [2, 3, 5, 1], 1, 2, 'valid'],
];

function depthwiseDy(x: Shape4, filter: Shape4, s: number, d: number, pad: 'same' | 'valid'): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(x, filter, s, d, pad, undefined, true);
  return [x[0], info.outHeight, info.outWidth, filter[2] * filter[3]];
}

/** Depthwise gradients, channel multipliers 1 and 2 (the cpu originals ignore dilation). */
function depthwiseCalls(): KernelCall[] {
  const calls: KernelCall[] = [];
  DEPTHWISE.filter(([, , , d]) => d === 1).forEach(([x, filter, s, d, pad], i) => {
    const dy = depthwiseDy(x, filter, s, d, pad);
    const attrs = { strides: s, dilations: d, pad } as NamedAttrMap;
    const label = `x[${x}] f[${filter}] s${s} d${d} ${pad}`;
    calls.push({
      label: `DepthwiseConv2dNativeBackpropFilter ${label}`,
      kernelName: 'DepthwiseConv2dNativeBackpropFilter',
      inputs: { x: seeded(x, 80 + i), dy: seeded(dy, 90 + i) },
      attrs: { ...attrs, filterShape: filter },
    });
    calls.push({
      label: `DepthwiseConv2dNativeBackpropInput ${label}`,
      kernelName: 'DepthwiseConv2dNativeBackpropInput',
      inputs: { dy: seeded(dy, 90 + i), filter: seeded(filter, 100 + i) },
      attrs: { ...attrs, inputShape: x },
    });
  });
  return calls;
}

/**
 * The adjoint identities that define the two gradients, checked against the forward
 * depthwise conv (which handles dilation):
 *   sum(dW * V) = sum(dy * conv(x, V))   and   sum(dx * u) = sum(dy * conv(u, W)).
 */
function depthwiseAdjointError([x, filter, s, d, pad]: DepthwiseCase, seed: number): number {
  return tf.tidy(() => {
    const dyShape = depthwiseDy(x, filter, s, d, pad);
    const [xt, dyt, wt, v, u] = [
      seeded(x, seed),
      seeded(dyShape, seed + 1),
      seeded(filter, seed + 2),
      seeded(filter, seed + 3),
      seeded(x, seed + 4),
    ].map((spec) => tensorOf(spec)) as tf.Tensor4D[];
    const attrs = { strides: s, dilations: d, pad } as NamedAttrMap;
    const dW = tf
      .engine()
      .runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: xt!, dy: dyt! },
        { ...attrs, filterShape: filter },
      ) as tf.Tensor;
    const dx = tf
      .engine()
      .runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: dyt!, filter: wt! },
        { ...attrs, inputShape: x },
      ) as tf.Tensor;
    const pairs: Array<[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]> = [
      [dW, v!, dyt!, tf.depthwiseConv2d(xt!, v!, s, pad, 'NHWC', d)],
      [dx, u!, dyt!, tf.depthwiseConv2d(u!, wt!, s, pad, 'NHWC', d)],
    ];
    return Math.max(
      ...pairs.map(([g, probe, dy, y]) => {
        const lhs = tf.sum(tf.mul(g, probe)).dataSync()[0]!;
        const rhs = tf.sum(tf.mul(dy, y)).dataSync()[0]!;
        const scale = tf.sum(tf.abs(tf.mul(dy, y))).dataSync()[0]!;
        return Math.abs(lhs - rhs) / scale;
      }),
    );
  });
}

const GRAD_CALLS = convCases().flatMap((c, i) => gradCalls(c, 7 * i + 1));
const FORWARD_CALLS = forwardCalls();
const DEPTHWISE_CALLS = depthwiseCalls();
// x [2,14,14,64], filter [4,4,64,128], stride 2, 'same': the DCGAN discriminator's second
// layer (batch 2: the cpu original filter gradient takes about a second per image).
const LAYER_CALLS: KernelCall[] = [
  {
    label: 'layer dW',
    kernelName: 'Conv2DBackpropFilter',
    inputs: { x: seeded([2, 14, 14, 64], 1), dy: seeded([2, 7, 7, 128], 2) },
    attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [4, 4, 64, 128] },
  },
  {
    label: 'layer dx',
    kernelName: 'Conv2DBackpropInput',
    inputs: { dy: seeded([2, 7, 7, 128], 2), filter: seeded([4, 4, 64, 128], 3) },
    attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 14, 14, 64] },
  },
];
const reference = new Map<string, Output[]>();

function expectParity(calls: KernelCall[]): void {
  const before = liveCounts();
  const bad: string[] = [];
  for (const call of calls) {
    const err = worstError(runRegistered(call), reference.get(call.label)!);
    if (!(err <= TOLERANCE)) bad.push(`${call.label}: ${err.toExponential(2)}`);
  }
  expect(bad).toEqual([]);
  expect(liveCounts()).toEqual(before);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const call of [...GRAD_CALLS, ...FORWARD_CALLS, ...DEPTHWISE_CALLS, ...LAYER_CALLS]) {
    reference.set(call.label, runOriginalCpu(call));
  }
  registerTrainingKernels('cpu');
  await tf.setBackend('wasm');
  registerTrainingKernels('wasm');
});

afterAll(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

describe('convolution training kernels match the cpu originals', () => {
  it('covers a grid of a few hundred calls', () => {
    expect(GRAD_CALLS.length).toBeGreaterThan(200);
  });

  it.each([
    ['default forms', {}],
    ['forward-conv forms only', { filterRows: 0, inputRows: 0 }],
    [
      'matrix-product forms only',
      { filterRows: Number.POSITIVE_INFINITY, inputRows: Number.POSITIVE_INFINITY },
    ],
    ['matrix products in one-image chunks', { filterRows: Number.POSITIVE_INFINITY, maxValues: 1 }],
  ])('wasm: Conv2DBackpropFilter and Conv2DBackpropInput, %s', async (_name, limits) => {
    await tf.setBackend('wasm');
    const previous = setGemmLimits(limits);
    try {
      expectParity(GRAD_CALLS);
    } finally {
      setGemmLimits(previous);
    }
  });

  it('cpu: Conv2DBackpropFilter and Conv2DBackpropInput', async () => {
    await tf.setBackend('cpu');
    expectParity(GRAD_CALLS);
  });

  it("wasm: forward convs with 'same' padding (negative total padding included)", async () => {
    await tf.setBackend('wasm');
    expectParity(FORWARD_CALLS);
  });

  it('wasm: depthwise gradients (channel multipliers 1 and 2)', async () => {
    await tf.setBackend('wasm');
    expectParity(DEPTHWISE_CALLS);
  });

  it('wasm: depthwise gradients satisfy the adjoint identities, dilation 2 included', async () => {
    await tf.setBackend('wasm');
    const errors = DEPTHWISE.map((c, i) => depthwiseAdjointError(c, 300 + 10 * i));
    expect(Math.max(...errors)).toBeLessThan(TOLERANCE);
  });
});

describe('one DCGAN-sized layer', () => {
  it.each(['wasm', 'cpu'])('%s matches the cpu originals', async (backend) => {
    await tf.setBackend(backend);
    expectParity(LAYER_CALLS);
  });
});
