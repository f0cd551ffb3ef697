import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../backend/src/kernels/test-helpers.js';
import { readAll, webgpuForTests } from '../../backend/src/webgpu/test-helpers.js';
import {
  conditionalDiscriminator,
  conditionalGenerator,
  dcganDiscriminator,
  dcganGenerator,
  mlpDiscriminator,
  mlpGenerator,
  patchganDiscriminator,
  srganDiscriminator,
  srresnetGenerator,
  unetGenerator,
} from '../src/index.js';

// Backend test helpers come from the backend package's source: this is an integration test of
// models on a backend.
// One GAN training step (D update, then G update; gradients and Adam) of every shipped
// generator/discriminator pair on webgpu against the cpu backend: losses, gradients and the
// updated weights (batch-norm statistics included) within 1e-3.

const TOLERANCE = 1e-3;
const gpu = await webgpuForTests();

interface GanPair {
  name: string;
  g: () => tfl.LayersModel;
  d: () => tfl.LayersModel;
  /** G's input without the batch axis: z, or the low-resolution / condition image. */
  gInput: number[];
  /** D's image without the batch axis. */
  image: number[];
  /** Labels fed to G and D (conditional GAN). */
  classes?: number;
  /** D also sees G's input image (pix2pix). */
  paired?: boolean;
}

const BATCH = 6;
const PAIRS: GanPair[] = [
  {
    name: 'dcganGenerator / dcganDiscriminator (batch norm in both)',
    g: () => dcganGenerator({ imageSize: 12, channels: 3, latentDim: 8, baseWidth: 8, seed: 1 }),
    d: () => dcganDiscriminator({ imageSize: 12, channels: 3, baseWidth: 8, batchNorm: true, seed: 2 }),
    gInput: [8],
    image: [12, 12, 3],
  },
  {
    name: 'dcganDiscriminator with spectral normalization',
    g: () => dcganGenerator({ imageSize: 10, channels: 1, latentDim: 5, baseWidth: 4, seed: 3 }),
    d: () => dcganDiscriminator({ imageSize: 10, channels: 1, baseWidth: 4, spectralNorm: true, seed: 4 }),
    gInput: [5],
    image: [10, 10, 1],
  },
  {
    name: 'mlpGenerator / mlpDiscriminator',
    g: () => mlpGenerator({ latentDim: 4, outputDim: 2, hidden: [16, 16], seed: 5 }),
    d: () => mlpDiscriminator({ inputDim: 2, hidden: [16, 16], spectralNorm: true, seed: 6 }),
    gInput: [4],
    image: [2],
  },
  {
    name: 'conditionalGenerator / conditionalDiscriminator (concat)',
    g: () =>
      conditionalGenerator({
        imageSize: 8,
        channels: 1,
        numClasses: 3,
        latentDim: 6,
        embeddingDim: 4,
        baseWidth: 8,
        seed: 7,
      }),
    d: () =>
      conditionalDiscriminator({
        imageSize: 8,
        channels: 1,
        numClasses: 3,
        embeddingDim: 4,
        baseWidth: 8,
        seed: 8,
      }),
    gInput: [6],
    image: [8, 8, 1],
    classes: 3,
  },
  {
    name: 'conditionalDiscriminator (projection, batch norm)',
    g: () =>
      conditionalGenerator({ imageSize: 8, channels: 1, numClasses: 4, latentDim: 6, baseWidth: 4, seed: 9 }),
    d: () =>
      conditionalDiscriminator({
        imageSize: 8,
        channels: 1,
        numClasses: 4,
        conditioning: 'projection',
        batchNorm: true,
        baseWidth: 4,
        seed: 10,
      }),
    gInput: [6],
    image: [8, 8, 1],
    classes: 4,
  },
  {
    name: 'srresnetGenerator / srganDiscriminator (PReLU, pixel shuffle)',
    g: () => srresnetGenerator({ scale: 4, channels: 3, filters: 8, residualBlocks: 2, seed: 11 }),
    d: () => srganDiscriminator({ inputSize: 16, channels: 3, baseFilters: 4, denseUnits: 8, seed: 12 }),
    gInput: [4, 4, 3],
    image: [16, 16, 3],
  },
  {
    name: 'unetGenerator / patchganDiscriminator (seeded dropout)',
    g: () =>
      unetGenerator({ inputSize: 16, inChannels: 1, outChannels: 3, baseFilters: 4, depth: 3, seed: 13 }),
    d: () =>
      patchganDiscriminator({
        inputSize: 16,
        conditionChannels: 1,
        imageChannels: 3,
        baseFilters: 4,
        layers: 2,
        seed: 14,
      }),
    gInput: [16, 16, 1],
    image: [16, 16, 3],
    paired: true,
  },
];

/** Every weight set from seeded values (batch-norm variances positive): the same start everywhere. */
function seedWeights(model: tfl.LayersModel, seed: number): void {
  model.setWeights(
    model.weights.map((w, i) => {
      const spec = seeded(w.shape as number[], seed + i, 0.3);
      const values = w.name.includes('variance') ? spec.values.map((v) => 1 + Math.abs(v)) : spec.values;
      return tf.tensor(values, w.shape as number[]);
    }),
  );
}

// Non-saturating GAN loss on logits: softplus(-l) for real, softplus(l) for fake.
const realLoss = (logits: tf.Tensor) => tf.mean(tf.softplus(tf.neg(logits))) as tf.Scalar;
const fakeLoss = (logits: tf.Tensor) => tf.mean(tf.softplus(logits)) as tf.Scalar;

interface StepResult {
  losses: number[];
  grads: Map<string, Float32Array>;
  weights: Map<string, Float32Array>;
  before: Map<string, Float32Array>;
  /** Keys of the trainable weights (the rest: batch-norm statistics, spectral norm's u). */
  trainable: Set<string>;
}

async function named(prefix: string, list: tf.Tensor[], names: string[]): Promise<Map<string, Float32Array>> {
  const values = await readAll(list);
  return new Map(values.map((v, i) => [`${prefix}/${names[i]}`, v]));
}

/** One D step and one G step with Adam on the active backend, every number read back. */
async function ganStep(pair: GanPair): Promise<StepResult> {
  const g = pair.g();
  const d = pair.d();
  seedWeights(g, 100);
  seedWeights(d, 200);
  const tensorsBefore = tf.memory().numTensors;
  const z = tf.tensor(seeded([BATCH, ...pair.gInput], 1).values, [BATCH, ...pair.gInput]);
  const real = tf.tensor(seeded([BATCH, ...pair.image], 2).values, [BATCH, ...pair.image]);
  const labels = pair.classes
    ? tf.tensor2d(
        Array.from({ length: BATCH }, (_, i) => i % pair.classes!),
        [BATCH, 1],
        'int32',
      )
    : null;
  const gIn = labels ? [z, labels] : z;
  const dIn = (x: tf.Tensor) => (labels ? [x, labels] : pair.paired ? [z, x] : x);
  const gVars = g.trainableWeights.map((w) => w.read() as tf.Variable);
  const dVars = d.trainableWeights.map((w) => w.read() as tf.Variable);
  // layer names carry per-process counters (dense_Dense3): key by position and the rest
  const key = (i: number, name: string) => `${i}:${name.replace(/_?\d+/g, '')}`;
  const names = (m: tfl.LayersModel) => m.weights.map((w, i) => key(i, w.name));
  const trainable = new Set(
    (['G', 'D'] as const).flatMap((p) =>
      (p === 'G' ? g : d).weights.flatMap((w, i) => (w.trainable ? [`${p}/${key(i, w.name)}`] : [])),
    ),
  );
  const before = new Map([
    ...(await named('G', g.getWeights(), names(g))),
    ...(await named('D', d.getWeights(), names(d))),
  ]);
  // A large rate, so that a wrong gradient moves its weight visibly (Adam's first step is
  // about rate * sign(g)). Epsilon 1e-4 instead of 1e-7: a conv bias before batch norm has a
  // true gradient of 0 and a computed one of rounding noise (~1e-8), which epsilon 1e-7 would
  // turn into a step of up to half the rate in a backend-dependent direction.
  const optD = tf.train.adam(0.01, 0.5, 0.999, 1e-4);
  const optG = tf.train.adam(0.01, 0.5, 0.999, 1e-4);

  const fake = tf.tidy(() => g.apply(gIn, { training: true }) as tf.Tensor);
  const dStep = tf.variableGrads(
    () =>
      tf.add(
        realLoss(d.apply(dIn(real), { training: true }) as tf.Tensor),
        fakeLoss(d.apply(dIn(fake), { training: true }) as tf.Tensor),
      ) as tf.Scalar,
    dVars,
  );
  const dGrads = await named(
    'dD',
    dVars.map((v) => dStep.grads[v.name]!),
    dVars.map((v, i) => key(i, v.name)),
  );
  optD.applyGradients(dStep.grads as tf.NamedTensorMap as Record<string, tf.Variable>);
  const gStep = tf.variableGrads(
    () =>
      realLoss(d.apply(dIn(g.apply(gIn, { training: true }) as tf.Tensor), { training: true }) as tf.Tensor),
    gVars,
  );
  const gGrads = await named(
    'dG',
    gVars.map((v) => gStep.grads[v.name]!),
    gVars.map((v, i) => key(i, v.name)),
  );
  optG.applyGradients(gStep.grads as tf.NamedTensorMap as Record<string, tf.Variable>);
  const losses = [(await dStep.value.data())[0]!, (await gStep.value.data())[0]!];
  tf.dispose([dStep.value, gStep.value, ...Object.values(dStep.grads), ...Object.values(gStep.grads)]);
  const weights = new Map([
    ...(await named('G', g.getWeights(), names(g))),
    ...(await named('D', d.getWeights(), names(d))),
  ]);
  tf.dispose([z, real, fake, ...(labels ? [labels] : [])]);
  optD.dispose();
  optG.dispose();
  // what is left is the optimizers' disposed slots' absence: exactly the models' weights
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  g.dispose();
  d.dispose();
  return { losses, grads: new Map([...dGrads, ...gGrads]), weights, before, trainable };
}

/**
 * max |got - want| / max |want| per tensor, with max |want| floored at 1e-3 of the largest
 * value in its group (a conv bias before batch norm has a gradient of rounding noise only).
 */
function worst(got: Map<string, Float32Array>, want: Map<string, Float32Array>): [string, number] {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  let largest = 0;
  for (const w of want.values()) for (const v of w) largest = Math.max(largest, Math.abs(v));
  let name = '';
  let err = 0;
  for (const [k, gv] of got) {
    const w = want.get(k)!;
    let diff = 0;
    let scale = 1e-3 * largest;
    for (let i = 0; i < w.length; i++) {
      diff = Math.max(diff, Math.abs(gv[i]! - w[i]!));
      scale = Math.max(scale, Math.abs(w[i]!));
    }
    const e = gv.length === w.length ? diff / scale : Number.POSITIVE_INFINITY;
    if (!(e <= err)) [name, err] = [k, e];
  }
  return [name, err];
}

describe.skipIf(!gpu.ok)('one training step of each architecture: webgpu against cpu', () => {
  for (const pair of PAIRS) {
    it(pair.name, async () => {
      await tf.setBackend('webgpu');
      const got = await ganStep(pair);
      await tf.setBackend('cpu');
      const want = await ganStep(pair);
      for (const [i, l] of want.losses.entries()) {
        expect(Math.abs(got.losses[i]! - l) / Math.max(1, Math.abs(l))).toBeLessThan(TOLERANCE);
      }
      const [gName, gErr] = worst(got.grads, want.grads);
      // Adam's first step moves every weight by about the rate (0.01) in the direction of its
      // gradient's sign: a wrong gradient would leave a difference near 0.02
      let wErr = 0;
      let moved = 0;
      for (const [k, w] of want.weights) {
        const gw = got.weights.get(k)!;
        const w0 = want.before.get(k)!;
        for (let i = 0; i < w.length; i++) {
          wErr = Math.max(wErr, Math.abs(gw[i]! - w[i]!));
          if (want.trainable.has(k)) moved = Math.max(moved, Math.abs(w[i]! - w0[i]!));
        }
      }
      console.log(
        `${pair.name}: losses D ${got.losses[0]!.toFixed(6)}/${want.losses[0]!.toFixed(6)} ` +
          `G ${got.losses[1]!.toFixed(6)}/${want.losses[1]!.toFixed(6)} (webgpu/cpu); worst gradient error ` +
          `${gErr.toExponential(1)} (${gName}); updated weights differ by at most ${wErr.toExponential(1)} ` +
          `(Adam moved the trainable ones by up to ${moved.toExponential(1)})`,
      );
      expect(gErr, gName).toBeLessThan(TOLERANCE);
      expect(moved).toBeGreaterThan(0.005);
      expect(wErr).toBeLessThan(TOLERANCE);
    });
  }
});

if (!gpu.ok) {
  describe('one training step of each architecture on webgpu', () => {
    it.skip(`skipped: ${gpu.reason}`, () => {});
  });
}
