import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers every op's gradient (tfjs' Tile gradient among them)
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerTrainingKernels } from './index.js';

// The gradient of sum(tile(x, reps) * w) by hand: each x value collects w at every place its
// copies landed.
function byHand(x: number[], shape: number[], reps: number[], w: ArrayLike<number>): number[] {
  const out = new Array<number>(x.length).fill(0);
  const outShape = shape.map((s, i) => s * reps[i]!);
  const total = outShape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let src = 0;
    let stride = 1;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const coord = rest % outShape[axis]!;
      rest = Math.floor(rest / outShape[axis]!);
      src += (coord % shape[axis]!) * stride;
      stride *= shape[axis]!;
    }
    out[src]! += w[flat]!;
  }
  return out;
}

describe("Tile's gradient", () => {
  it('is one reshape and one sum, equal to the gradient by hand and to tfjs own, second order too', async () => {
    await tf.setBackend('cpu');
    const cases: Array<[number[], number[]]> = [
      [[3], [4]],
      [
        [2, 3],
        [1, 5],
      ],
      [
        [1, 1, 4],
        [8, 16, 1],
      ],
      [
        [2, 1, 3, 2],
        [2, 3, 1, 2],
      ],
    ];
    const run = () =>
      cases.map(([shape, reps], i) =>
        tf.tidy(() => {
          const x = tf.randomNormal(shape, 0, 1, 'float32', i + 1);
          const w = tf.randomNormal(
            shape.map((s, k) => s * reps[k]!),
            0,
            1,
            'float32',
            10 + i,
          );
          const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.tile(v, reps)), w));
          // first order: 2 x * (sum of w over the copies); second order through a squared gradient
          const dx = tf.grad(f)(x);
          const ddx = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.grad(f)(v))))(x);
          return [dx, ddx, x, w];
        }),
      );
    const want = run();
    registerTrainingKernels('cpu');
    const before = tf.memory().numTensors;
    const got = run();
    expect(tf.memory().numTensors).toBe(before + 4 * cases.length);
    for (const [i, [shape, reps]] of cases.entries()) {
      const [dx, ddx, x, w] = got[i]!;
      const xs = Array.from(await x!.data());
      const hand = byHand(xs, shape, reps, await w!.data()).map((s, k) => 2 * xs[k]! * s);
      const worst = (a: ArrayLike<number>, b: ArrayLike<number>) =>
        Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k]!) / (1 + Math.abs(b[k]!))));
      expect(worst(await dx!.data(), hand)).toBeLessThan(1e-5);
      expect(worst(await dx!.data(), await want[i]![0]!.data())).toBeLessThan(1e-5);
      expect(worst(await ddx!.data(), await want[i]![1]!.data())).toBeLessThan(1e-5);
    }
    const kernels = await tf.profile(() =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.tile(v, [1, 512, 1])))(tf.ones([2, 1, 3])),
    );
    expect(kernels.kernels.filter((k) => k.name === 'Slice')).toHaveLength(0);
    expect(kernels.kernels.length).toBeLessThan(10);
    tf.dispose([...want.flat(), ...got.flat(), kernels.result as tf.Tensor]);
  });
});

describe("Sum's and Mean's gradients", () => {
  it("equal tfjs' own on every axis choice, second order too, as a broadcast of dy", async () => {
    await tf.setBackend('cpu');
    const cases: Array<[number[], number | number[], boolean]> = [
      [[2, 3, 4, 5], [0, 1, 2], false],
      [[2, 3, 4, 5], 3, true],
      [[6, 7], -1, false],
      [[3, 1, 4], [0, 2], true],
      [[5], 0, false],
    ];
    const run = () =>
      cases.flatMap(([shape, axis, keepDims], i) =>
        tf.tidy(() => {
          const x = tf.randomNormal(shape, 0, 1, 'float32', 20 + i);
          const outShape = tf.sum(x, axis, keepDims).shape;
          const w = tf.randomNormal(outShape, 0, 1, 'float32', 40 + i);
          const out: tf.Tensor[] = [];
          for (const reduce of [tf.sum, tf.mean]) {
            const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.square(reduce(tf.square(v), axis, keepDims)), w));
            out.push(tf.grad(f)(x), tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.grad(f)(v))))(x));
          }
          return out;
        }),
      );
    const want = run();
    registerTrainingKernels('cpu');
    const before = tf.memory().numTensors;
    const got = run();
    expect(tf.memory().numTensors).toBe(before + got.length);
    for (const [i, g] of got.entries()) {
      const [a, b] = [await g.data(), await want[i]!.data()];
      const worst = Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k]!) / (1 + Math.abs(b[k]!))));
      expect(worst, `output ${i}`).toBeLessThan(1e-5);
    }
    const x = tf.ones([4, 8, 8, 16]);
    const info = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.mean(v))(x));
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain('Tile');
    expect(names).not.toContain('Multiply');
    tf.dispose([...want, ...got, x, info.result as tf.Tensor]);
  });
});
