import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers every op's gradient
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLAG_PAIRS,
  type InputSpec,
  type KernelCall,
  runOriginalCpu,
  seeded,
  tensorOf,
} from '../kernels/test-helpers.js';
import { registerWebgpuKernels, restoreWebgpuKernels } from './kernels.js';
import { readAll, relativeError, webgpuForTests } from './test-helpers.js';

// Parity of tfjs-backend-webgpu's training kernels against the cpu backend's original kernels
// (as tfjs ships them), to 1e-4 relative (max abs diff / max abs reference) on a grid of odd
// sizes, batch 1, strides 1-3, 'same' and 'valid', 1..64 channels: the kernels the shipped
// architectures train with (convolutions and their gradients, transposed convolutions,
// depthwise convolutions, batch norm, matMul, resizes, pixel shuffle, activations).

const TOLERANCE = 1e-4;
const gpu = await webgpuForTests();

type Shape4 = [number, number, number, number];

const CONV_SHAPES: Array<[Shape4, Shape4]> = [
  // x [N,H,W,Ci], filter [kh,kw,Ci,Co]
  [
    [1, 5, 5, 1],
    [3, 3, 1, 2],
  ],
  [
    [2, 7, 6, 3],
    [3, 2, 3, 4],
  ],
  [
    [1, 9, 9, 8],
    [4, 4, 8, 16],
  ],
  [
    [2, 6, 7, 16],
    [5, 5, 16, 8],
  ],
  [
    [1, 8, 7, 64],
    [3, 3, 64, 32],
  ],
  [
    [2, 5, 5, 32],
    [4, 4, 32, 64],
  ],
  [
    [1, 11, 10, 3],
    [1, 1, 3, 5],
  ],
  [
    [3, 9, 9, 64],
    [3, 3, 64, 1],
  ],
];
const STRIDES: Array<number | [number, number]> = [1, 2, 3, [1, 2]];
const PADS = ['same', 'valid'] as const;

function outSize(size: number, k: number, s: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
}

function convCalls(): KernelCall[] {
  const calls: KernelCall[] = [];
  let seed = 1;
  for (const [x, filter] of CONV_SHAPES) {
    for (const strides of STRIDES) {
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      for (const pad of PADS) {
        const ho = outSize(x[1], filter[0], sh, pad);
        const wo = outSize(x[2], filter[1], sw, pad);
        if (ho < 1 || wo < 1) continue;
        const dy: Shape4 = [x[0], ho, wo, filter[3]];
        const label = `x[${x}] f[${filter}] s${strides} ${pad}`;
        const attrs = { strides, pad, dataFormat: 'NHWC', dilations: 1 } as NamedAttrMap;
        seed += 3;
        calls.push(
          {
            label: `Conv2D ${label}`,
            kernelName: 'Conv2D',
            inputs: { x: seeded(x, seed), filter: seeded(filter, seed + 2) },
            attrs,
          },
          {
            label: `Conv2DBackpropFilter ${label}`,
            kernelName: 'Conv2DBackpropFilter',
            inputs: { x: seeded(x, seed), dy: seeded(dy, seed + 1) },
            attrs: { ...attrs, filterShape: filter },
          },
          {
            // also conv2dTranspose: its forward pass is this kernel
            label: `Conv2DBackpropInput ${label}`,
            kernelName: 'Conv2DBackpropInput',
            inputs: { dy: seeded(dy, seed + 1), filter: seeded(filter, seed + 2) },
            attrs: { ...attrs, inputShape: x },
          },
        );
      }
    }
  }
  return calls;
}

function depthwiseCalls(): KernelCall[] {
  const cases: Array<[Shape4, Shape4, number, 'same' | 'valid']> = [
    [[1, 7, 7, 3], [3, 3, 3, 2], 1, 'same'],
    [[2, 8, 9, 8], [4, 4, 8, 1], 2, 'valid'],
    [[1, 9, 8, 16], [3, 3, 16, 1], 3, 'same'],
  ];
  return cases.flatMap(([x, filter, s, pad], i): KernelCall[] => {
    const dy: Shape4 = [
      x[0],
      outSize(x[1], filter[0], s, pad),
      outSize(x[2], filter[1], s, pad),
      x[3] * filter[3],
    ];
    const attrs = { strides: s, pad, dataFormat: 'NHWC', dilations: 1 } as NamedAttrMap;
    const label = `x[${x}] f[${filter}] s${s} ${pad}`;
    return [
      {
        label: `DepthwiseConv2dNative ${label}`,
        kernelName: 'DepthwiseConv2dNative',
        inputs: { x: seeded(x, 100 + i), filter: seeded(filter, 200 + i) },
        attrs,
      },
      {
        label: `DepthwiseConv2dNativeBackpropFilter ${label}`,
        kernelName: 'DepthwiseConv2dNativeBackpropFilter',
        inputs: { x: seeded(x, 100 + i), dy: seeded(dy, 300 + i) },
        attrs: { ...attrs, filterShape: filter },
      },
      {
        label: `DepthwiseConv2dNativeBackpropInput ${label}`,
        kernelName: 'DepthwiseConv2dNativeBackpropInput',
        inputs: { dy: seeded(dy, 300 + i), filter: seeded(filter, 200 + i) },
        attrs: { ...attrs, inputShape: x },
      },
    ];
  });
}

function matMulCalls(): KernelCall[] {
  const calls: KernelCall[] = [];
  const shapes: Array<[number, number, number, number]> = [
    // batch, m, k, n
    [1, 5, 7, 3],
    [3, 33, 65, 17],
    [1, 64, 100, 128],
    [2, 1, 49, 1],
  ];
  for (const [b, m, k, n] of shapes) {
    for (const [ta, tb] of FLAG_PAIRS) {
      calls.push({
        label: `BatchMatMul [${b},${m},${k}]x[${b},${k},${n}] transpose ${ta} ${tb}`,
        kernelName: 'BatchMatMul',
        inputs: {
          a: seeded(ta ? [b, k, m] : [b, m, k], m + k),
          b: seeded(tb ? [b, n, k] : [b, k, n], n + k),
        },
        attrs: { transposeA: ta, transposeB: tb },
      });
    }
  }
  return calls;
}

function batchNormCalls(): KernelCall[] {
  return (
    [
      [2, 5, 7, 16],
      [1, 3, 3, 64],
      [4, 1, 1, 3],
    ] as Shape4[]
  ).map((x, i) => {
    const c = x[3];
    const variance = seeded([c], 40 + i);
    variance.values = variance.values.map((v) => 0.5 + Math.abs(v));
    return {
      label: `FusedBatchNorm x[${x}]`,
      kernelName: 'FusedBatchNorm',
      inputs: {
        x: seeded(x, 10 + i),
        mean: seeded([c], 20 + i),
        variance,
        offset: seeded([c], 30 + i),
        scale: seeded([c], 50 + i),
      },
      attrs: { varianceEpsilon: 1e-3 },
    };
  });
}

const RESIZE_X: Shape4 = [2, 5, 7, 3];
const RESIZES: Array<[[number, number], boolean, boolean]> = [
  // size, alignCorners, halfPixelCenters (Resize2D uses false, true)
  [[10, 14], false, true],
  [[9, 4], false, false],
  [[11, 13], true, false],
  [[3, 3], false, true],
  [[8, 11], false, true],
];

function resizeCalls(grad: boolean): KernelCall[] {
  return RESIZES.flatMap(([size, alignCorners, halfPixelCenters]) => {
    const tag = `x[${RESIZE_X}] -> [${size}] alignCorners ${alignCorners} halfPixelCenters ${halfPixelCenters}`;
    return ['ResizeBilinear', 'ResizeNearestNeighbor'].map(
      (name): KernelCall =>
        grad
          ? {
              label: `${name}Grad ${tag}`,
              kernelName: `${name}Grad`,
              inputs: {
                images: seeded(RESIZE_X, 7),
                dy: seeded([RESIZE_X[0], size[0], size[1], RESIZE_X[3]], size[0] * 31 + size[1]),
              },
              attrs: { size, alignCorners, halfPixelCenters },
            }
          : {
              label: `${name} ${tag}`,
              kernelName: name,
              inputs: { images: seeded(RESIZE_X, 7) },
              attrs: { size, alignCorners, halfPixelCenters },
            },
    );
  });
}

/**
 * The resize gradient as the adjoint of the cpu backend's FORWARD kernel, independent of any
 * gradient kernel (the cpu backend's are wrong: NaN, misses, transposed shapes): the forward
 * resize of every one-hot image gives the matrix M, and dx = M^T dy per image and channel.
 */
function adjointReference(call: KernelCall): Float32Array {
  const [n, h, w, c] = RESIZE_X;
  const dy = call.inputs.dy as InputSpec;
  const [, oh, ow] = dy.shape as Shape4;
  const forward = call.kernelName.replace('Grad', '');
  const basis = new Float32Array(h * w * h * w);
  for (let i = 0; i < h * w; i++) basis[i * h * w + i] = 1;
  const m = runOriginalCpu({
    label: 'basis',
    kernelName: forward,
    inputs: { images: { shape: [h * w, h, w, 1], values: basis } },
    attrs: call.attrs,
  })[0]!.values;
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h * w; i++) {
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let o = 0; o < oh * ow; o++) sum += m[i * oh * ow + o]! * dy.values[(b * oh * ow + o) * c + ch]!;
        dx[(b * h * w + i) * c + ch] = sum;
      }
    }
  }
  return dx;
}

function otherCalls(): KernelCall[] {
  const x = seeded([2, 6, 5, 12], 70);
  return [
    {
      label: 'DepthToSpace x[2,6,5,12] block 2',
      kernelName: 'DepthToSpace',
      inputs: { x },
      attrs: { blockSize: 2, dataFormat: 'NHWC' },
    },
    { label: 'LeakyRelu alpha 0.2', kernelName: 'LeakyRelu', inputs: { x }, attrs: { alpha: 0.2 } },
    {
      label: 'Prelu per channel',
      kernelName: 'Prelu',
      inputs: { x, alpha: seeded([1, 1, 12], 71, 0.3) },
      attrs: {},
    },
    {
      label: 'Sum over batch and space',
      kernelName: 'Sum',
      inputs: { x },
      attrs: { axis: [0, 1, 2], keepDims: false },
    },
    { label: 'Mean over space', kernelName: 'Mean', inputs: { x }, attrs: { axis: [1, 2], keepDims: true } },
    { label: 'Softplus', kernelName: 'Softplus', inputs: { x: seeded([3, 17], 72, 6) }, attrs: {} },
  ];
}

const CALLS: KernelCall[] = [
  ...convCalls(),
  ...depthwiseCalls(),
  ...matMulCalls(),
  ...batchNormCalls(),
  ...resizeCalls(false),
  ...otherCalls(),
];

/** Runs every call on webgpu, read back with await data(). */
async function onWebgpu(calls: KernelCall[]): Promise<{ shape: number[]; values: Float32Array }[][]> {
  await tf.setBackend('webgpu');
  const results: { shape: number[]; values: Float32Array }[][] = [];
  for (const call of calls) {
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, spec] of Object.entries(call.inputs)) inputs[name] = tensorOf(spec as InputSpec);
    const out = tf.engine().runKernel(call.kernelName, inputs as never, call.attrs) as
      | tf.Tensor
      | tf.Tensor[];
    const outs = Array.isArray(out) ? out : [out];
    const values = await readAll(outs);
    results.push(outs.map((t, i) => ({ shape: [...t.shape], values: values[i]! })));
    tf.dispose([...outs, ...Object.values(inputs)]);
  }
  return results;
}

/** Runs every call on webgpu, then on the cpu backend's original kernels; the error of each. */
async function runAll(calls: KernelCall[]): Promise<{ label: string; error: number }[]> {
  const onGpu = await onWebgpu(calls);
  await tf.setBackend('cpu');
  return calls.map((call, i) => {
    const want = runOriginalCpu(call);
    const got = onGpu[i]!;
    let error = got.length === want.length ? 0 : Number.POSITIVE_INFINITY;
    want.forEach((w, j) => {
      const g = got[j];
      error =
        g && g.shape.join() === w.shape.join()
          ? Math.max(error, relativeError(g.values, w.values))
          : Number.POSITIVE_INFINITY;
    });
    return { label: call.label, error };
  });
}

/** Runs `fn` on webgpu and cpu (the engine's registered kernels) and compares every output. */
async function compareFn(fn: () => tf.Tensor[]): Promise<number> {
  const results: Float32Array[][] = [];
  for (const backend of ['webgpu', 'cpu']) {
    await tf.setBackend(backend);
    const outs = tf.tidy(fn);
    results.push(await readAll(outs));
    tf.dispose(outs);
  }
  const [got, want] = results as [Float32Array[], Float32Array[]];
  return Math.max(...want.map((w, i) => relativeError(got[i]!, w)));
}

describe.skipIf(!gpu.ok)('webgpu kernels match the cpu backend', () => {
  beforeAll(() => {
    if (gpu.ok)
      console.log(
        `webgpu kernel parity on ${gpu.report.adapter?.device} (${gpu.report.adapter?.dawnBackend})`,
      );
  });

  it(`${CALLS.length} kernel calls agree to ${TOLERANCE} relative, without leaking tensors`, async () => {
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    const results = await runAll(CALLS);
    await tf.setBackend('webgpu');
    expect(tf.memory().numTensors).toBe(before);
    const byKernel = new Map<string, number>();
    for (const r of results) {
      const k = r.label.split(' ')[0]!;
      byKernel.set(k, Math.max(byKernel.get(k) ?? 0, r.error));
    }
    console.log(
      `worst relative error per kernel: ${[...byKernel].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`,
    );
    const bad = results.filter((r) => !(r.error <= TOLERANCE));
    expect(bad.map((r) => `${r.label}: ${r.error}`)).toEqual([]);
    expect(results.filter((r) => r.label.startsWith('Conv2D')).length).toBeGreaterThanOrEqual(150);
  });

  it('batch norm gradients match a float64 reference as closely as the cpu backend does', async () => {
    const [n, h, w, c] = [4, 5, 5, 8];
    const x = seeded([n, h, w, c], 80).values;
    const gamma = seeded([c], 81).values;
    const beta = seeded([c], 82).values;
    const weight = Array.from({ length: c }, (_, i) => -1 + (2 * i) / (c - 1));
    // L = sum_c weight_c * sum(y^2), y = gamma * (x - mean) / sqrt(var + eps) + beta, in float64
    const m = n * h * w;
    const want = { dx: new Float64Array(x.length), dGamma: new Float64Array(c), dBeta: new Float64Array(c) };
    for (let k = 0; k < c; k++) {
      let mean = 0;
      for (let i = 0; i < m; i++) mean += x[i * c + k]!;
      mean /= m;
      let variance = 0;
      for (let i = 0; i < m; i++) variance += (x[i * c + k]! - mean) ** 2;
      variance /= m;
      const inv = 1 / Math.sqrt(variance + 1e-3);
      const xHat = Array.from({ length: m }, (_, i) => (x[i * c + k]! - mean) * inv);
      const dy = xHat.map((v) => 2 * weight[k]! * (gamma[k]! * v + beta[k]!));
      const dHat = dy.map((v) => v * gamma[k]!);
      const meanD = dHat.reduce((a, b) => a + b, 0) / m;
      const meanDx = dHat.reduce((a, b, i) => a + b * xHat[i]!, 0) / m;
      for (let i = 0; i < m; i++) want.dx[i * c + k] = inv * (dHat[i]! - meanD - xHat[i]! * meanDx);
      want.dGamma[k] = dy.reduce((a, b, i) => a + b * xHat[i]!, 0);
      want.dBeta[k] = dy.reduce((a, b) => a + b, 0);
    }
    const errors: Record<string, number> = {};
    for (const backend of ['webgpu', 'cpu']) {
      await tf.setBackend(backend);
      const grads = tf.tidy(() =>
        tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, [0, 1, 2]);
          return tf.sum(
            tf.mul(tf.square(tf.batchNorm(xx, mean, variance, bb, gg, 1e-3)), tf.tensor1d(weight)),
          );
        })([tf.tensor(x, [n, h, w, c]), tf.tensor1d(gamma), tf.tensor1d(beta)]),
      );
      const [dx, dGamma, dBeta] = await readAll(grads);
      tf.dispose(grads);
      errors[backend] = Math.max(
        relativeError(dx!, want.dx),
        relativeError(dGamma!, want.dGamma),
        relativeError(dBeta!, want.dBeta),
      );
    }
    console.log(
      `batch-norm gradients against float64: webgpu ${errors.webgpu!.toExponential(1)}, cpu ${errors.cpu!.toExponential(1)}`,
    );
    // The input gradient is a difference of nearly equal terms (dHat - mean - xHat * mean):
    // float32 keeps about 4 of its digits on every backend (cpu ~8e-5 here), so 2e-4 here
    // rather than 1e-4.
    expect(errors.cpu).toBeLessThan(2e-4);
    expect(errors.webgpu).toBeLessThan(2e-4);
  });

  it('gradients of activations, pixel shuffle and a strided transposed conv agree', async () => {
    const x = seeded([4, 5, 5, 8], 80);
    const actErr = await compareFn(() =>
      tf.grads((xx: tf.Tensor, a: tf.Tensor) =>
        tf.sum(tf.add(tf.sigmoid(tf.tanh(tf.prelu(tf.leakyRelu(xx, 0.2), a))), tf.softplus(xx))),
      )([tensorOf(x), tensorOf(seeded([8], 83, 0.3))]),
    );
    const shuffleErr = await compareFn(() =>
      tf.grads((xx: tf.Tensor) =>
        tf.sum(tf.mul(tf.square(tf.depthToSpace(xx as tf.Tensor4D, 2)), tf.linspace(0, 1, 2))),
      )([tensorOf(x)]),
    );
    const convTErr = await compareFn(() =>
      tf.grads((xx: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2dTranspose(xx as tf.Tensor4D, f as tf.Tensor4D, [4, 10, 10, 3], 2, 'same'))),
      )([tensorOf(x), tensorOf(seeded([4, 4, 3, 8], 84))]),
    );
    console.log(
      `worst relative error: activation grads ${actErr.toExponential(1)}, ` +
        `pixel-shuffle grad ${shuffleErr.toExponential(1)}, conv2dTranspose grads ${convTErr.toExponential(1)}`,
    );
    for (const e of [actErr, shuffleErr, convTErr]) expect(e).toBeLessThanOrEqual(TOLERANCE);
  });

  it("resize gradients are the forward resize's exact adjoint (gankit's webgpu kernels; tfjs' miss halfPixelCenters)", async () => {
    const calls = resizeCalls(true);
    await tf.setBackend('cpu');
    const want = calls.map(adjointReference);
    const errors = async () =>
      (await onWebgpu(calls)).map((out, i) => relativeError(out[0]!.values, want[i]!));
    const ours = await errors();
    restoreWebgpuKernels();
    const theirs = await errors();
    expect(registerWebgpuKernels()).toEqual(['ResizeBilinearGrad', 'ResizeNearestNeighborGrad']);
    console.log(
      `resize gradients, worst relative error against the adjoint: gankit ${Math.max(...ours).toExponential(1)}, ` +
        `tfjs-backend-webgpu ${Math.max(...theirs).toExponential(1)}`,
    );
    expect(calls.filter((_, i) => !(ours[i]! <= TOLERANCE)).map((c) => c.label)).toEqual([]);
    // tfjs' own are right without halfPixelCenters and wrong with it, at least for bilinear
    calls.forEach((call, i) => {
      if (call.attrs.halfPixelCenters !== true) expect(theirs[i], call.label).toBeLessThanOrEqual(TOLERANCE);
    });
    expect(theirs.filter((e, i) => calls[i]!.kernelName === 'ResizeBilinearGrad' && e > 0.1).length).toBe(3);
  });

  it('a wrong kernel would be caught: the check sees a 1e-3 perturbation', async () => {
    const call = CALLS[0]!;
    const [r] = await runAll([call]);
    await tf.setBackend('cpu');
    const want = runOriginalCpu(call)[0]!;
    const nudged = Float32Array.from(want.values, (v, i) =>
      i === 0 ? v + 1e-3 * Math.max(...want.values.map(Math.abs)) : v,
    );
    expect(r!.error).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(nudged, want.values)).toBeGreaterThan(TOLERANCE);
  });
});

if (!gpu.ok) {
  describe('webgpu kernels', () => {
    it.skip(`skipped: ${gpu.reason}`, () => {});
  });
}
