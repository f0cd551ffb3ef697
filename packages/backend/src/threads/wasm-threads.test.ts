import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers'; // also registers every op's gradient
import { afterAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../kernels/index.js';
import { disposeWasmThreads, enableWasmThreads, wasmThreadsStatus } from './index.js';

// Deterministic inputs that do not depend on any backend's random kernels.
function pseudoRandom(shape: number[], seed: number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return tf.tensor(v, shape);
}

/**
 * Work that exercises XNNPACK's threaded kernels: the DCGAN's big conv forward, a transposed
 * conv (Conv2DBackpropInput) with its input gradient, and three Adam steps of a dense + batch
 * norm network (matMul, reductions, elementwise).
 */
async function workload(): Promise<Float32Array[]> {
  // gankit's kernels (some replace matMul and reductions) in every run, so runs compare like for like
  registerTrainingKernels('wasm');
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const x = pseudoRandom([8, 14, 14, 64], 1);
    const w = pseudoRandom([4, 4, 64, 128], 2, 0.05);
    const conv = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same');
    const convT = tf.conv2dTranspose(conv, w as tf.Tensor4D, [8, 14, 14, 64], 2, 'same');
    const dx = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2dTranspose(t as tf.Tensor4D, w as tf.Tensor4D, [8, 14, 14, 64], 2, 'same'))),
    )(conv);
    return [conv, convT, dx];
  });
  // tidy disposes the initial values; the variables survive it
  const [w1, w2, gamma, beta] = tf.tidy(() => [
    tf.variable(pseudoRandom([32, 256], 3, 0.1)),
    tf.variable(pseudoRandom([256, 1], 4, 0.1)),
    tf.variable(tf.ones([256])),
    tf.variable(tf.zeros([256])),
  ]) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const input = pseudoRandom([64, 32], 5);
  const opt = tf.train.adam(2e-4, 0.5);
  for (let i = 0; i < 3; i++) {
    const loss = opt.minimize(
      () => {
        const h = tf.matMul(input, w1);
        const { mean, variance } = tf.moments(h, 0);
        const bn = tf.batchNorm(h, mean, variance, beta, gamma, 1e-3);
        return tf.mean(tf.square(tf.matMul(tf.relu(bn), w2)));
      },
      true,
      [w1, w2, gamma, beta],
    );
    loss?.dispose();
  }
  const arrays = await Promise.all(
    [...out, w1, w2, gamma, beta].map((t) => t.data() as Promise<Float32Array>),
  );
  tf.dispose([...out, w1, w2, gamma, beta, input]);
  opt.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return arrays;
}

/** Two seeded steps of a small DCGAN-shaped pair (D then G, Adam 2e-4/0.5); returns G's and D's weights. */
async function dcganSteps(): Promise<Float32Array[]> {
  const before = tf.memory().numTensors;
  const init = (seed: number) => tfl.initializers.randomNormal({ stddev: 0.02, seed });
  const g = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [16], units: 7 * 7 * 16, kernelInitializer: init(3) }),
      tfl.layers.batchNormalization(),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.reshape({ targetShape: [7, 7, 16] }),
      tfl.layers.conv2dTranspose({
        filters: 8,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(5),
      }),
      tfl.layers.batchNormalization(),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.conv2dTranspose({
        filters: 1,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: init(6),
      }),
    ],
  });
  const d = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(4),
      }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.conv2d({
        filters: 16,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(8),
      }),
      tfl.layers.batchNormalization(),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1, kernelInitializer: init(9) }),
    ],
  });
  const vars = (m: typeof g) => m.trainableWeights.map((w) => w.read() as tf.Variable);
  const optG = tf.train.adam(2e-4, 0.5);
  const optD = tf.train.adam(2e-4, 0.5);
  const real = pseudoRandom([8, 28, 28, 1], 6);
  const z = pseudoRandom([8, 16], 7);
  const bce = (logits: tf.Tensor, label: number) =>
    tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, label)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
  for (let i = 0; i < 2; i++) {
    const fake = tf.tidy(() => g.apply(z, { training: true }) as tf.Tensor);
    optD.minimize(
      () =>
        tf.add(
          bce(d.apply(real, { training: true }) as tf.Tensor, 1),
          bce(d.apply(fake, { training: true }) as tf.Tensor, 0),
        ) as tf.Scalar,
      false,
      vars(d),
    );
    optG.minimize(
      () => bce(d.apply(g.apply(z, { training: true }), { training: true }) as tf.Tensor, 1) as tf.Scalar,
      false,
      vars(g),
    );
    fake.dispose();
  }
  const weights = await Promise.all(
    [...g.getWeights(), ...d.getWeights()].map((w) => w.data() as Promise<Float32Array>),
  );
  tf.dispose([real, z]);
  g.dispose();
  d.dispose();
  optG.dispose();
  optD.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return weights;
}

function maxRelativeDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return worst / Math.max(scale, 1e-12);
}

describe('enableWasmThreads', () => {
  afterAll(async () => {
    await disposeWasmThreads();
  });

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(enableWasmThreads({ threads: 0 })).rejects.toBeInstanceOf(GanError);
    await expect(enableWasmThreads({ threads: 1.5 })).rejects.toThrow(
      /threads must be an integer >= 1, got 1.5/,
    );
  });

  let threaded: Float32Array[] = [];

  it('runs the threaded-SIMD build with 2 threads and one worker thread', async () => {
    const report = await enableWasmThreads({ threads: 2 });
    expect(report).toMatchObject({ enabled: true, requested: 2, threads: 2, build: 'threaded-simd' });
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmThreadsStatus()).toEqual({ active: true, workerThreads: 1 });
    threaded = [...(await workload()), ...(await dcganSteps())];
  });

  it('stops its worker threads and lets wasm start again single-threaded', async () => {
    expect(await disposeWasmThreads()).toBe(1);
    expect(wasmThreadsStatus()).toEqual({ active: false, workerThreads: 0 });
    const report = await enableWasmThreads({ threads: 1 });
    expect(report).toMatchObject({ enabled: false, threads: 1, build: 'simd', reason: '1 thread requested' });
    expect(wasmThreadsStatus().workerThreads).toBe(0);
  });

  it('gives the same numbers as the single-threaded build (within 1e-4 relative)', async () => {
    const single = [...(await workload()), ...(await dcganSteps())];
    expect(single.length).toBe(threaded.length);
    for (let i = 0; i < single.length; i++) {
      const a = threaded[i] as Float32Array;
      const b = single[i] as Float32Array;
      expect(a.length).toBe(b.length);
      // the contract is 1e-4; XNNPACK splits work by output tiles, so in practice it is exact
      expect(maxRelativeDiff(a, b)).toBeLessThan(1e-4);
      expect(a).toEqual(b);
    }
  });

  it('says so when wasm already runs single-threaded', async () => {
    const report = await enableWasmThreads({ threads: 2 });
    expect(report.enabled).toBe(false);
    expect(report.threads).toBe(1);
    expect(report.reason).toMatch(/already initialised single-threaded/);
    expect(await disposeWasmThreads()).toBe(0);
  });

  it('restarts wasm threaded on request, with the same numbers as before', async () => {
    const report = await enableWasmThreads({ threads: 2, restart: true });
    expect(report).toMatchObject({ enabled: true, threads: 2 });
    const again = [...(await workload()), ...(await dcganSteps())];
    for (let i = 0; i < again.length; i++) {
      expect(maxRelativeDiff(again[i] as Float32Array, threaded[i] as Float32Array)).toBe(0);
    }
    expect(await disposeWasmThreads()).toBe(1);
    expect(wasmThreadsStatus()).toEqual({ active: false, workerThreads: 0 });
  });
});
