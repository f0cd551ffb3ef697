import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels, restoreOriginalKernels } from '@gankit/backend';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { FusedAdamOptimizer } from './adam.js';
import { adamOptimizer } from './update.js';

afterEach(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

/**
 * Five Adam steps on a least-squares problem with two small variables and one large one (above
 * the fused kernel's size limit: tfjs' ops); the final values, moments and state.
 */
async function train(optimizer: tf.Optimizer, steps = 5) {
  const w = tf.variable(tf.randomNormal([7, 3], 0, 1, 'float32', 1), true, `w${Math.random()}`);
  const b = tf.variable(tf.randomNormal([3], 0, 1, 'float32', 2), true, `b${Math.random()}`);
  const big = tf.variable(tf.randomNormal([40000], 0, 1, 'float32', 5), true, `big${Math.random()}`);
  const x = tf.randomNormal([11, 7], 0, 1, 'float32', 3);
  const y = tf.randomNormal([11, 3], 0, 1, 'float32', 4);
  for (let s = 0; s < steps; s++) {
    const loss = optimizer.minimize(
      () =>
        tf.add(
          tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))),
          tf.mean(tf.square(big)),
        ) as tf.Scalar,
      true,
      [w, b, big],
    );
    loss?.dispose();
  }
  const weights = await optimizer.getWeights();
  const out = {
    values: [Array.from(await w.data()), Array.from(await b.data()), Array.from(await big.data())],
    state: await Promise.all(weights.map(async (n) => Array.from(await n.tensor.data()))),
  };
  tf.dispose([w, b, big, x, y, ...fresh(weights)]);
  return out;
}

/** getWeights' tensors that are not the optimizer's own variables (its fresh `iter` scalar). */
const fresh = (named: Array<{ tensor: tf.Tensor }>) =>
  named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable));

describe('FusedAdamOptimizer', () => {
  it.each(['cpu', 'wasm'] as const)(
    "gives tfjs' Adam values and moments, one kernel per variable (%s)",
    async (backend) => {
      await tf.setBackend(backend);
      const want = await train(tf.train.adam(0.01, 0.5, 0.999));
      registerTrainingKernels(backend);
      const fused = new FusedAdamOptimizer(0.01, 0.5, 0.999);
      const got = await train(fused);
      // computed in double precision, stored as float32: within a few float32 ulps of tfjs'
      const worst = (a: number[][], b: number[][]) =>
        Math.max(
          ...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!) / (1 + Math.abs(b[i]![j]!)))),
        );
      expect(worst(got.values, want.values)).toBeLessThan(1e-6);
      expect(worst(got.state, want.state)).toBeLessThan(1e-6);
      // the state's names and order are tfjs' (checkpoints stay interchangeable)
      const named = await fused.getWeights();
      expect(named.map((n) => n.name.replace(/\d\.\d+/, ''))).toEqual([
        'iter',
        'w/m',
        'b/m',
        'big/m',
        'w/v',
        'b/v',
        'big/v',
      ]);
      tf.dispose(fresh(named));
      const w = tf.variable(tf.ones([4]));
      const single = new FusedAdamOptimizer(0.01, 0.5, 0.999);
      // no tensor left behind by a step (tfjs' optimizers hold one scalar of their own past dispose)
      single.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
      const steady = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) single.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
      expect(tf.memory().numTensors).toBe(steady);
      const info = await tf.profile(() => {
        single.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
      });
      single.dispose();
      const names = info.kernels.map((k) => k.name);
      expect(names.filter((n) => n === 'GankitAdamUpdate')).toHaveLength(1);
      expect(names).not.toContain('Sqrt');
      w.dispose();
      fused.dispose();
    },
  );

  it("runs tfjs' own update where the backend lacks the kernel, and resumes from saved state", async () => {
    await tf.setBackend('cpu');
    const want = await train(tf.train.adam(0.01, 0.5, 0.999), 4);
    const fallback = await train(new FusedAdamOptimizer(0.01, 0.5, 0.999), 4);
    expect(fallback.values).toEqual(want.values);
    // two steps, saved, restored into a fresh optimizer, two more: as tfjs' Adam does the same
    registerTrainingKernels('cpu');
    const resumed = async (make: () => tf.Optimizer) => {
      const w = tf.variable(tf.tensor1d([1, -2, 3]));
      const loss = () => tf.sum(tf.mul(tf.square(w), tf.tensor1d([1, 2, 3]))) as tf.Scalar;
      const first = make();
      first.minimize(loss, false, [w]);
      first.minimize(loss, false, [w]);
      const named = await first.getWeights();
      const saved = named.map((n) => ({ name: n.name, tensor: n.tensor.clone() }));
      tf.dispose(fresh(named));
      const second = make();
      await second.setWeights(saved);
      second.minimize(loss, false, [w]);
      second.minimize(loss, false, [w]);
      const out = Array.from(await w.data());
      tf.dispose([w, ...saved.map((n) => n.tensor)]);
      first.dispose();
      second.dispose();
      return out;
    };
    const fusedResumed = await resumed(() => adamOptimizer('test', { learningRate: 0.1 }));
    const plainResumed = await resumed(() => tf.train.adam(0.1, 0.5, 0.999));
    expect(fusedResumed).toEqual(plainResumed.map((v) => expect.closeTo(v, 6)));
    const made = adamOptimizer('test');
    expect(made).toBeInstanceOf(FusedAdamOptimizer);
    expect(made.getClassName()).toBe('Adam');
    made.dispose();
  });
});
