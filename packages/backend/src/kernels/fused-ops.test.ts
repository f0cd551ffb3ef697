import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, describe, expect, it } from 'vitest';
import { rerouteFusedOps, restoreFusedOps } from './fused-ops.js';
import { registerTrainingKernels, restoreOriginalKernels, type TrainingKernelBackend } from './index.js';
import { relativeError } from './test-helpers.js';

afterEach(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

const BACKENDS: TrainingKernelBackend[] = ['wasm', 'cpu'];

// a strided 'same' conv and a dense layer, both with biases: what tfjs-layers runs as tf.fused ops
function tinyCritic(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [7, 9, 3],
        filters: 5,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
        biasInitializer: tfl.initializers.randomUniform({ minval: -1, maxval: 1, seed: 2 }),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 2,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
        biasInitializer: tfl.initializers.randomUniform({ minval: -1, maxval: 1, seed: 4 }),
      }),
    ],
  });
}

function batch(): tf.Tensor4D {
  return tf.randomUniform([2, 7, 9, 3], -1, 1, 'float32', 5);
}

// f(x) weighted so that every output gets a different gradient
function objective(model: tfl.LayersModel, x: tf.Tensor): tf.Scalar {
  const y = model.apply(x) as tf.Tensor;
  return tf.sum(
    tf.mul(
      y,
      tf.tensor2d([
        [1, -2],
        [0.5, 3],
      ]),
    ),
  );
}

// the gradients of every weight and of the input, as plain arrays
function allGradients(model: tfl.LayersModel, x: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => objective(model, x), weights);
    const dx = tf.grad((v: tf.Tensor) => objective(model, v))(x);
    return [...weights.map((w) => grads[w.name]!), dx].map((g) => Array.from(g.dataSync()));
  });
}

async function kernelsRun(f: () => tf.TensorContainer): Promise<string[]> {
  const info = await tf.profile(f);
  tf.dispose(info.result);
  return info.kernels.map((k) => k.name);
}

const count = (names: string[], name: string) => names.filter((n) => n === name).length;

describe('tf.fused.conv2d and tf.fused.matMul under a gradient tape', () => {
  it.each(BACKENDS)('give the same gradients as the fused ops, leaking nothing (%s)', async (backend) => {
    await tf.setBackend(backend);
    const model = tinyCritic();
    const x = batch();
    registerTrainingKernels(backend);
    // the reference: gankit's kernels (wasm has no filter gradient of its own), tfjs' fused ops
    restoreFusedOps(backend);
    const fused = allGradients(model, x);
    rerouteFusedOps(backend);
    const before = tf.memory().numTensors;
    const unfused = allGradients(model, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(unfused.map((g) => g.length)).toEqual([135, 5, 200, 2, 378]);
    for (const [i, g] of unfused.entries()) expect(relativeError(g, fused[i]!)).toBeLessThan(1e-5);
    tf.dispose(x);
    model.dispose();
  });

  it.each(BACKENDS)('compute only the gradients asked for (%s)', async (backend) => {
    await tf.setBackend(backend);
    const model = tinyCritic();
    const x = batch();
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const weightGrads = () => tf.variableGrads(() => objective(model, x), weights).grads;
    const inputGrad = () => tf.grad((v: tf.Tensor) => objective(model, v))(x);
    registerTrainingKernels(backend);
    // tfjs' fused ops compute the input, weight and bias gradients whatever is asked
    restoreFusedOps(backend);
    const fusedW = await kernelsRun(weightGrads);
    const fusedX = await kernelsRun(inputGrad);
    expect(count(fusedW, 'Conv2DBackpropInput')).toBe(1);
    expect(count(fusedX, 'Conv2DBackpropFilter')).toBe(1);
    rerouteFusedOps(backend);
    const unfusedW = await kernelsRun(weightGrads);
    const unfusedX = await kernelsRun(inputGrad);
    expect(count(unfusedW, 'Conv2DBackpropInput')).toBe(0);
    expect(count(unfusedW, 'Conv2DBackpropFilter')).toBe(1);
    expect(count(unfusedX, 'Conv2DBackpropFilter')).toBe(0);
    expect(count(unfusedX, 'Conv2DBackpropInput')).toBe(1);
    // the dense layer: both its gradients feed the conv's weights; only its input's feeds x
    const products = (names: string[]) => count(names, 'BatchMatMul') + count(names, '_FusedMatMul');
    expect(products(unfusedW)).toBe(products(fusedW));
    expect(products(unfusedX)).toBe(products(fusedX) - 1);
    tf.dispose(x);
    model.dispose();
  });

  it('keep the fused kernels for inference and on backends without gankit kernels', async () => {
    registerTrainingKernels('wasm');
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      // built on the backend it runs on: tensors moved between backends trip tfjs' leak check
      const model = tinyCritic();
      const x = batch();
      const inference = await kernelsRun(() => model.predict(x) as tf.Tensor);
      expect(inference).toContain('FusedConv2D');
      expect(inference).toContain('_FusedMatMul');
      const tape = await kernelsRun(() => tf.grad((v: tf.Tensor) => objective(model, v))(x));
      expect(count(tape, 'Conv2DBackpropFilter')).toBe(backend === 'cpu' ? 1 : 0);
      tf.dispose(x);
      model.dispose();
    }
  });

  it('are tfjs own again once no backend has gankit kernels', () => {
    const own = { conv2d: tf.fused.conv2d, matMul: tf.fused.matMul };
    const report = registerTrainingKernels('cpu');
    expect(report.ops).toEqual(['fused.conv2d', 'fused.matMul']);
    registerTrainingKernels('wasm');
    expect(tf.fused.conv2d).not.toBe(own.conv2d);
    restoreOriginalKernels('cpu');
    expect(tf.fused.matMul).not.toBe(own.matMul);
    restoreOriginalKernels('wasm');
    expect(tf.fused.conv2d).toBe(own.conv2d);
    expect(tf.fused.matMul).toBe(own.matMul);
  });
});
