import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers every op's gradient
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { registerTrainingKernels, restoreOriginalKernels, type TrainingKernelBackend } from './index.js';
import { LEAKY_RELU_GRAD } from './leaky-relu-grad.js';

afterEach(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

const BACKENDS: TrainingKernelBackend[] = ['wasm', 'cpu'];

// sum(leakyRelu(x*w) * x*w * r): the gradient reaching LeakyReLU depends on w, so the
// second-order gradient below runs through both inputs of the fused kernel
function loss(x: tf.Tensor, w: tf.Tensor, alpha: number): tf.Scalar {
  const xw = tf.mul(x, w);
  const r = tf.reshape(tf.range(1, x.size + 1), x.shape);
  return tf.sum(tf.mul(tf.leakyRelu(xw, alpha), tf.mul(xw, r)));
}

async function kernelsRun(f: () => tf.Tensor): Promise<string[]> {
  const info = await tf.profile(() => f());
  tf.dispose(info.result as tf.Tensor);
  return info.kernels.map((k) => k.name);
}

describe('the fused LeakyReLU gradient', () => {
  it.each(BACKENDS)('gives dy where x > 0 and alpha * dy elsewhere, in one kernel (%s)', async (backend) => {
    await tf.setBackend(backend);
    registerTrainingKernels(backend);
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5]);
    const before = tf.memory().numTensors;
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, 0.2), dy)))(x);
    // by hand: x = 0 takes the alpha branch, as tfjs' greater(x, 0) does
    const want = [0.2, 0.4, 0.6, 4, 5];
    (await dx.data()).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 6);
    });
    dx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const names = await kernelsRun(() => tf.grad((v: tf.Tensor) => tf.sum(tf.leakyRelu(v, 0.2)))(x));
    expect(names).toContain(LEAKY_RELU_GRAD);
    expect(names).not.toContain('Select');
    tf.dispose([x, dy]);
  });

  it.each(BACKENDS)(
    'matches tfjs own gradient, first and second order, on odd shapes (%s)',
    async (backend) => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([3, 5, 7, 11], 0, 1, 'float32', 7);
      const w = tf.randomNormal([11], 1, 0.5, 'float32', 8);
      const alpha = 0.3;
      // first order in x, and the WGAN-GP shape of a second-order gradient: d/dw ||d loss / dx||^2
      const grads = () =>
        tf.tidy(() => {
          const dx = tf.grad((v: tf.Tensor) => loss(v, w, alpha))(x);
          const dw = tf.grad((u: tf.Tensor) =>
            tf.sum(tf.square(tf.grad((v: tf.Tensor) => loss(v, u, alpha))(x))),
          )(w);
          return [dx, dw];
        });
      const [refDx, refDw] = grads();
      registerTrainingKernels(backend);
      const before = tf.memory().numTensors;
      const [dx, dw] = grads();
      expect(tf.memory().numTensors).toBe(before + 2);
      const close = async (a: tf.Tensor, b: tf.Tensor) => {
        const [va, vb] = [await a.data(), await b.data()];
        let worst = 0;
        for (let i = 0; i < va.length; i++)
          worst = Math.max(worst, Math.abs(va[i]! - vb[i]!) / (1 + Math.abs(vb[i]!)));
        return worst;
      };
      expect(await close(dx!, refDx!)).toBeLessThan(1e-6);
      expect(await close(dw!, refDw!)).toBeLessThan(1e-5);
      // the second-order path runs the fused kernel's own gradient
      const names = await kernelsRun(() =>
        tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.grad((v: tf.Tensor) => loss(v, u, alpha))(x))))(w),
      );
      expect(names.filter((n) => n === LEAKY_RELU_GRAD).length).toBeGreaterThanOrEqual(2);
      tf.dispose([x, w, refDx!, refDw!, dx!, dw!]);
    },
  );

  it('falls back to tfjs own gradient where the backend lacks the kernel', async () => {
    await tf.setBackend('cpu');
    registerTrainingKernels('wasm'); // the gradient is rerouted globally, the kernel is wasm-only
    const x = tf.tensor1d([-1, 2]);
    const names = await kernelsRun(() => tf.grad((v: tf.Tensor) => tf.sum(tf.leakyRelu(v, 0.1)))(x));
    expect(names).not.toContain(LEAKY_RELU_GRAD);
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.leakyRelu(v, 0.1)))(x);
    expect(Array.from(await dx.data())).toEqual([expect.closeTo(0.1, 6), 1]);
    tf.dispose([x, dx]);
  });
});
