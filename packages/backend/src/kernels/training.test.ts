import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers'; // also registers every op's gradient
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, restoreOriginalKernels } from './registry.js';
import { relativeError, seeded } from './test-helpers.js';

// Whole layers and training steps on wasm (and cpu) with gankit's kernels, against the cpu
// backend with tfjs' own kernels.

const TOLERANCE = 1e-4;
type Sym = tfl.SymbolicTensor;

/** Sets every weight of a model from seeded values, so all backends start from the same numbers. */
function seedWeights(model: tfl.LayersModel, seed: number, scale = 0.3): void {
  model.setWeights(
    model.getWeights().map((w, i) => {
      const spec = seeded(w.shape, seed + i, scale);
      // batch-norm variances must stay positive
      const values =
        w.shape.length === 1 && model.weights[i]?.name.includes('variance')
          ? spec.values.map((v) => 1 + Math.abs(v))
          : spec.values;
      return tf.tensor(values, w.shape);
    }),
  );
}

/** Gradients of `loss` w.r.t. every trainable weight, read back as arrays (name-sorted). */
function weightGrads(model: tfl.LayersModel, loss: () => tf.Scalar): Map<string, Float32Array> {
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const { value, grads } = tf.variableGrads(loss, vars);
  const out = new Map<string, Float32Array>([['loss', value.dataSync().slice() as Float32Array]]);
  for (const [name, g] of Object.entries(grads)) out.set(name, g.dataSync().slice() as Float32Array);
  value.dispose();
  tf.dispose(Object.values(grads));
  return out;
}

/**
 * Worst error over all gradients: max |got - want| / max |want| per tensor, where max |want| is
 * floored at 1e-2 of the largest gradient anywhere. (A conv bias followed by batch norm has a
 * gradient of exactly zero in theory and of rounding noise, 1e-8 to 1e-7 of the largest
 * gradient, in practice: the floor keeps that noise from counting as a relative error.)
 */
function worst(got: Map<string, Float32Array>, want: Map<string, Float32Array>): [string, number] {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  let largest = 0;
  for (const w of want.values()) for (const v of w) largest = Math.max(largest, Math.abs(v));
  let name = '';
  let err = 0;
  for (const [k, g] of got) {
    const w = want.get(k)!;
    let diff = 0;
    let scale = 1e-2 * largest;
    for (let i = 0; i < w.length; i++) {
      diff = Math.max(diff, Math.abs(g[i]! - w[i]!));
      scale = Math.max(scale, Math.abs(w[i]!));
    }
    const e = g.length === w.length ? diff / scale : Number.POSITIVE_INFINITY;
    if (!(e <= err)) [name, err] = [k, e];
  }
  return [name, err];
}

/** Runs `body` on each backend; the cpu reference runs with tfjs' own kernels. */
async function onBackends<T>(body: () => T): Promise<{ reference: T; wasm: T; cpu: T }> {
  await tf.setBackend('cpu');
  restoreOriginalKernels('cpu');
  const reference = body();
  registerTrainingKernels('cpu');
  const cpu = body();
  await tf.setBackend('wasm');
  const wasm = body();
  return { reference, wasm, cpu };
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerTrainingKernels('wasm');
  await tf.setBackend('cpu');
});

afterAll(() => {
  restoreOriginalKernels('wasm');
  restoreOriginalKernels('cpu');
});

describe('whole layers', () => {
  /** conv2d, conv2dTranspose (to 16 and to 1 channel), batchNorm and dense, DCGAN-shaped. */
  function dcganLike(): tfl.LayersModel {
    const x = tfl.input({ shape: [12, 12, 3] });
    let h = tfl.layers.conv2d({ filters: 16, kernelSize: 4, strides: 2, padding: 'same' }).apply(x) as Sym;
    h = tfl.layers.batchNormalization().apply(h) as Sym;
    h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h) as Sym;
    h = tfl.layers.conv2d({ filters: 24, kernelSize: 3, strides: 3, padding: 'same' }).apply(h) as Sym;
    h = tfl.layers
      .conv2dTranspose({ filters: 16, kernelSize: 4, strides: 3, padding: 'same' })
      .apply(h) as Sym;
    h = tfl.layers.batchNormalization().apply(h) as Sym;
    h = tfl.layers.reLU().apply(h) as Sym;
    h = tfl.layers
      .conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same' })
      .apply(h) as Sym;
    h = tfl.layers.flatten().apply(h) as Sym;
    const y = tfl.layers.dense({ units: 5, activation: 'tanh' }).apply(h) as Sym;
    return tfl.model({ inputs: x, outputs: y });
  }

  it('conv2d, conv2dTranspose, batchNorm and dense gradients match the cpu originals', async () => {
    await tf.setBackend('cpu');
    const model = dcganLike();
    const xs = seeded([3, 12, 12, 3], 1);
    const target = seeded([3, 5], 2);
    const run = () => {
      // fresh weights on the active backend (tensors moving between backends inside a
      // customGrad op trip tfjs' IS_TEST leak check)
      seedWeights(model, 10);
      const before = tf.memory().numTensors;
      const grads = weightGrads(model, () => {
        const y = model.apply(tf.tensor(xs.values, xs.shape), { training: true }) as tf.Tensor;
        return tf.mean(tf.square(tf.sub(y, tf.tensor(target.values, target.shape)))) as tf.Scalar;
      });
      expect(tf.memory().numTensors).toBe(before);
      return grads;
    };
    const { reference, wasm, cpu } = await onBackends(run);
    for (const got of [wasm, cpu]) {
      const [name, err] = worst(got, reference);
      expect(err, name).toBeLessThan(TOLERANCE);
    }
    model.dispose();
  });

  /**
   * The rest of a GAN's toolbox: PReLU, sigmoid, dropout (rate 0 to stay deterministic),
   * nearest and bilinear upsampling, zero padding, average and max pooling, concatenation,
   * an embedding, depthToSpace, softplus cross-entropy, abs, l2 normalisation.
   */
  function toolbox(): tfl.LayersModel {
    const x = tfl.input({ shape: [6, 6, 4] });
    const label = tfl.input({ shape: [1] });
    let h = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x) as Sym;
    h = tfl.layers.prelu({ sharedAxes: [1, 2] }).apply(h) as Sym;
    h = tfl.layers.dropout({ rate: 0 }).apply(h) as Sym;
    const up = tfl.layers.upSampling2d({ size: [2, 2] }).apply(h) as Sym;
    const upB = tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(h) as Sym;
    let u = tfl.layers.concatenate().apply([up, upB]) as Sym;
    u = tfl.layers.zeroPadding2d({ padding: 1 }).apply(u) as Sym;
    u = tfl.layers
      .conv2d({ filters: 8, kernelSize: 3, padding: 'valid', activation: 'sigmoid' })
      .apply(u) as Sym;
    u = tfl.layers.averagePooling2d({ poolSize: 2 }).apply(u) as Sym;
    u = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(u) as Sym;
    const emb = tfl.layers.embedding({ inputDim: 5, outputDim: 8 }).apply(label) as Sym;
    const e = tfl.layers.reshape({ targetShape: [1, 1, 8] }).apply(emb) as Sym;
    const tiled = tfl.layers.upSampling2d({ size: [3, 3] }).apply(e) as Sym;
    const y = tfl.layers.concatenate().apply([u, tiled]) as Sym;
    return tfl.model({ inputs: [x, label], outputs: y });
  }

  it('upsampling, pooling, padding, concat, embedding and depthToSpace gradients agree on wasm and cpu', async () => {
    await tf.setBackend('cpu');
    const model = toolbox();
    const xs = seeded([2, 6, 6, 4], 3);
    const run = () => {
      seedWeights(model, 20);
      return weightGrads(model, () => {
        const labels = tf.tensor2d([[1], [3]], [2, 1], 'int32');
        const y = model.apply([tf.tensor(xs.values, xs.shape), labels], { training: true }) as tf.Tensor4D;
        const sub = tf.depthToSpace(y, 2); // [2, 6, 6, 4]
        const flat = tf.reshape(sub, [2, -1]);
        const unit = tf.div(flat, tf.sqrt(tf.sum(tf.square(flat), 1, true)));
        const logits = tf.sum(tf.mul(unit, tf.reshape(tf.tensor(xs.values, xs.shape), [2, -1])), 1);
        const adversarial = tf.mean(tf.softplus(tf.neg(logits)));
        return tf.add(adversarial, tf.mul(0.1, tf.mean(tf.abs(sub)))) as tf.Scalar;
      });
    };
    // the cpu originals of the resize gradients are wrong (see kernels.test.ts): compare wasm
    // with cpu running gankit's kernels
    const { wasm, cpu } = await onBackends(run);
    const [name, err] = worst(wasm, cpu);
    expect(err, name).toBeLessThan(TOLERANCE);
    model.dispose();
  });
});

describe('second-order gradients (WGAN-GP penalty)', () => {
  function critic(): tfl.LayersModel {
    const x = tfl.input({ shape: [10, 10, 2] });
    let h = tfl.layers.conv2d({ filters: 8, kernelSize: 4, strides: 2, padding: 'same' }).apply(x) as Sym;
    h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h) as Sym;
    h = tfl.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' }).apply(h) as Sym;
    h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h) as Sym;
    h = tfl.layers.flatten().apply(h) as Sym;
    h = tfl.layers.dense({ units: 8 }).apply(h) as Sym;
    h = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(h) as Sym;
    const y = tfl.layers.dense({ units: 1 }).apply(h) as Sym;
    return tfl.model({ inputs: x, outputs: y });
  }

  it('grad of (||d critic / dx|| - 1)^2 matches the cpu originals on wasm and cpu', async () => {
    await tf.setBackend('cpu');
    const model = critic();
    const xs = seeded([3, 10, 10, 2], 4);
    const run = () => {
      seedWeights(model, 30);
      const before = tf.memory().numTensors;
      const grads = weightGrads(model, () => {
        const x = tf.tensor(xs.values, xs.shape);
        const g = tf.grad((t: tf.Tensor) => tf.sum(model.apply(t) as tf.Tensor))(x);
        const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), [1, 2, 3]), 1e-12));
        return tf.mean(tf.square(tf.sub(norm, 1))) as tf.Scalar;
      });
      expect(tf.memory().numTensors).toBe(before);
      return grads;
    };
    const { reference, wasm, cpu } = await onBackends(run);
    const [name, err] = worst(wasm, reference);
    expect(err, name).toBeLessThan(TOLERANCE);
    expect(worst(cpu, reference)[1]).toBeLessThan(TOLERANCE);
    model.dispose();
  });
});

describe('Adam training steps', () => {
  it('three DCGAN steps on wasm end where the cpu originals end, without leaking', async () => {
    await tf.setBackend('cpu');
    const gIn = tfl.input({ shape: [8] });
    let g = tfl.layers.dense({ units: 4 * 4 * 16 }).apply(gIn) as Sym;
    g = tfl.layers.batchNormalization().apply(g) as Sym;
    g = tfl.layers.reLU().apply(g) as Sym;
    g = tfl.layers.reshape({ targetShape: [4, 4, 16] }).apply(g) as Sym;
    g = tfl.layers
      .conv2dTranspose({ filters: 8, kernelSize: 4, strides: 2, padding: 'same' })
      .apply(g) as Sym;
    g = tfl.layers.batchNormalization().apply(g) as Sym;
    g = tfl.layers.reLU().apply(g) as Sym;
    g = tfl.layers
      .conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' })
      .apply(g) as Sym;
    const G = tfl.model({ inputs: gIn, outputs: g });
    const dIn = tfl.input({ shape: [16, 16, 1] });
    let d = tfl.layers.conv2d({ filters: 8, kernelSize: 4, strides: 2, padding: 'same' }).apply(dIn) as Sym;
    d = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(d) as Sym;
    d = tfl.layers.conv2d({ filters: 16, kernelSize: 4, strides: 2, padding: 'same' }).apply(d) as Sym;
    d = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(d) as Sym;
    d = tfl.layers.flatten().apply(d) as Sym;
    const D = tfl.model({ inputs: dIn, outputs: tfl.layers.dense({ units: 1 }).apply(d) as Sym });
    const z = seeded([4, 8], 5);
    const real = seeded([4, 16, 16, 1], 6);

    const train = () => {
      seedWeights(G, 40, 0.2);
      seedWeights(D, 50, 0.2);
      const before = tf.memory().numTensors;
      const optD = tf.train.adam(2e-4, 0.5);
      const optG = tf.train.adam(2e-4, 0.5);
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => {
          const zt = tf.tensor(z.values, z.shape);
          const realT = tf.tensor(real.values, real.shape);
          const dLoss = optD.minimize(
            () => {
              const fake = G.apply(zt, { training: true }) as tf.Tensor;
              const pr = D.apply(realT) as tf.Tensor;
              const pf = D.apply(fake) as tf.Tensor;
              return tf.add(tf.mean(tf.softplus(tf.neg(pr))), tf.mean(tf.softplus(pf))) as tf.Scalar;
            },
            true,
            D.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
          );
          const gLoss = optG.minimize(
            () =>
              tf.mean(
                tf.softplus(tf.neg(D.apply(G.apply(zt, { training: true })) as tf.Tensor)),
              ) as tf.Scalar,
            true,
            G.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
          );
          losses.push(dLoss!.dataSync()[0]!, gLoss!.dataSync()[0]!);
        });
      }
      const optimizerTensors = tf.memory().numTensors - before;
      optD.dispose();
      optG.dispose();
      // Adam's moments are the only tensors a step may keep
      expect(tf.memory().numTensors).toBe(before);
      expect(optimizerTensors).toBeGreaterThan(0);
      return {
        losses,
        weights: [...G.getWeights(), ...D.getWeights()].map((w) => w.dataSync().slice() as Float32Array),
      };
    };
    const { reference, wasm } = await onBackends(train);
    expect(wasm.losses.every(Number.isFinite)).toBe(true);
    expect(relativeError(wasm.losses, reference.losses)).toBeLessThan(1e-3);
    const weightErrors = wasm.weights.map((w, i) => relativeError(w, reference.weights[i]!));
    expect(Math.max(...weightErrors)).toBeLessThan(1e-3);
    G.dispose();
    D.dispose();
  });
});
