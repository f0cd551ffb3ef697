import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers every op's gradient
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { registerTrainingKernels, restoreOriginalKernels, type TrainingKernelBackend } from './index.js';
import { PRELU_GRAD } from './prelu-grad.js';

afterEach(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

const BACKENDS: TrainingKernelBackend[] = ['wasm', 'cpu'];

// sum(prelu(x*w, a) * x*w * r): the gradient reaching PReLU depends on w, so the second-order
// gradient below runs through every input of the fused kernel
function loss(x: tf.Tensor, w: tf.Tensor, a: tf.Tensor): tf.Scalar {
  const xw = tf.mul(x, w);
  const r = tf.reshape(tf.range(1, x.size + 1), x.shape);
  return tf.sum(tf.mul(tf.prelu(xw, a), tf.mul(xw, r)));
}

async function kernelsRun(f: () => tf.Tensor[]): Promise<string[]> {
  const info = await tf.profile(() => f());
  tf.dispose(info.result as tf.Tensor[]);
  return info.kernels.map((k) => k.name);
}

async function worst(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [va, vb] = [await a.data(), await b.data()];
  let out = 0;
  for (let i = 0; i < va.length; i++) out = Math.max(out, Math.abs(va[i]! - vb[i]!) / (1 + Math.abs(vb[i]!)));
  return out;
}

describe('the fused PReLU gradient', () => {
  it.each(BACKENDS)('gives both gradients by hand, in one kernel (%s)', async (backend) => {
    await tf.setBackend(backend);
    registerTrainingKernels(backend);
    // two rows of two channels, slopes 0.1 and 0.5
    const x = tf.tensor2d([
      [-2, 3],
      [0, -4],
    ]);
    const a = tf.tensor1d([0.1, 0.5]);
    const dy = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const before = tf.memory().numTensors;
    const [dx, da] = tf.grads((v: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(tf.prelu(v, s), dy)))([x, a]);
    // x = 0 takes the slope branch, as tfjs' greater(x, 0) does; dalpha sums dy * x there
    expect(Array.from(await dx!.data())).toEqual([0.1, 2, 3 * 0.1, 4 * 0.5].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(await da!.data())).toEqual([expect.closeTo(-2 + 0, 6), expect.closeTo(-16, 6)]);
    tf.dispose([dx!, da!]);
    expect(tf.memory().numTensors).toBe(before);
    const names = await kernelsRun(() =>
      tf.grads((v: tf.Tensor, s: tf.Tensor) => tf.sum(tf.prelu(v, s)))([x, a]),
    );
    expect(names.filter((n) => n === PRELU_GRAD)).toHaveLength(1);
    expect(names).not.toContain('Select');
    tf.dispose([x, a, dy]);
  });

  it.each(BACKENDS)(
    'matches tfjs own gradient, first and second order, for per-channel and shared slopes (%s)',
    async (backend) => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([3, 5, 7, 11], 0, 1, 'float32', 7);
      const w = tf.randomNormal([11], 1, 0.5, 'float32', 8);
      for (const shape of [[11], [1, 1, 11], [1]]) {
        restoreOriginalKernels(backend);
        const a = tf.randomUniform(shape, 0.05, 0.4, 'float32', 9);
        // first order in x and alpha, and d/dw, d/dalpha of ||d loss / dx||^2 (WGAN-GP's shape)
        const grads = () =>
          tf.tidy(() => {
            const [dx, da] = tf.grads((v: tf.Tensor, s: tf.Tensor) => loss(v, w, s))([x, a]);
            const penalty = (u: tf.Tensor, s: tf.Tensor) =>
              tf.sum(tf.square(tf.grad((v: tf.Tensor) => loss(v, u, s))(x)));
            const [dw, da2] = tf.grads(penalty)([w, a]);
            return [dx!, da!, dw!, da2!];
          });
        const want = grads();
        registerTrainingKernels(backend);
        const before = tf.memory().numTensors;
        const got = grads();
        expect(tf.memory().numTensors).toBe(before + 4);
        for (const [i, g] of got.entries())
          expect(await worst(g, want[i]!), `${shape} #${i}`).toBeLessThan(1e-5);
        const names = await kernelsRun(() =>
          tf.grads((u: tf.Tensor) => tf.sum(tf.square(tf.grad((v: tf.Tensor) => loss(v, u, a))(x))))([w]),
        );
        expect(names.filter((n) => n === PRELU_GRAD).length).toBeGreaterThanOrEqual(2);
        tf.dispose([a, ...want, ...got]);
      }
      tf.dispose([x, w]);
    },
  );

  it('falls back to tfjs own gradient for other slope shapes and where the backend lacks the kernel', async () => {
    await tf.setBackend('cpu');
    registerTrainingKernels('cpu');
    // a slope per row, not per channel
    const x = tf.tensor2d([
      [-1, 2],
      [-3, 4],
    ]);
    const perRow = tf.tensor2d([[0.1], [0.2]]);
    const f = () => tf.grads((v: tf.Tensor, s: tf.Tensor) => tf.sum(tf.prelu(v, s)))([x, perRow]);
    expect(await kernelsRun(f)).not.toContain(PRELU_GRAD);
    const [dx, da] = f();
    expect(Array.from(await dx!.data())).toEqual([expect.closeTo(0.1, 6), 1, expect.closeTo(0.2, 6), 1]);
    expect(Array.from(await da!.data())).toEqual([-1, -3]);
    restoreOriginalKernels('cpu');
    expect(await kernelsRun(f)).not.toContain(PRELU_GRAD);
    tf.dispose([x, perRow, dx!, da!]);
  });
});
