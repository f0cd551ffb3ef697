/// <reference types="vite/client" />
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { spectralNormalization } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientPenalty, r1Penalty } from './gradient-penalty.js';

// Second-order gradients through critics, checked against central finite differences of the
// (first-order, trustworthy) penalty value, on the cpu and the wasm backend.

const init = (seed: number) => tfl.initializers.glorotNormal({ seed });
const biasInit = (seed: number) => tfl.initializers.randomNormal({ seed, stddev: 0.5 });

type Build = () => tfl.LayersModel;

function denseCritic(activation: string | null, extra?: (m: tfl.Sequential) => void): Build {
  return () => {
    const m = tfl.sequential();
    m.add(
      tfl.layers.dense({
        inputShape: [5],
        units: 6,
        // biome-ignore lint/suspicious/noExplicitAny: activation names are a string union in tfjs-layers
        activation: (activation ?? 'linear') as any,
        kernelInitializer: init(1),
        biasInitializer: biasInit(2),
      }),
    );
    extra?.(m);
    m.add(tfl.layers.dense({ units: 1, kernelInitializer: init(3) }));
    return m;
  };
}

function convCritic(middle: (m: tfl.Sequential) => void, spectral = false, flatten = true): Build {
  return () => {
    const wrap = (layer: tfl.layers.Layer, seed: number) =>
      spectral ? spectralNormalization({ layer, seed }) : layer;
    const m = tfl.sequential();
    m.add(
      wrap(
        tfl.layers.conv2d({
          inputShape: [6, 6, 2],
          filters: 3,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          kernelInitializer: init(1),
          biasInitializer: biasInit(2),
        }),
        1,
      ),
    );
    middle(m);
    if (flatten) m.add(tfl.layers.flatten());
    m.add(wrap(tfl.layers.dense({ units: 1, kernelInitializer: init(3) }), 2));
    return m;
  };
}

const leaky = (m: tfl.Sequential) => m.add(tfl.layers.leakyReLU({ alpha: 0.2 }));

const SUPPORTED: Record<string, Build> = {
  'dense + linear': denseCritic(null),
  'dense + relu': denseCritic('relu'),
  'dense + relu6': denseCritic('relu6'),
  'dense + selu': denseCritic('selu'),
  'dense + softplus': denseCritic('softplus'),
  'dense + softsign': denseCritic('softsign'),
  'dense + hardSigmoid': denseCritic('hardSigmoid'),
  'dense + gelu': denseCritic('gelu'),
  'dense + leakyReLU': denseCritic(null, leaky),
  'dense + prelu': denseCritic(null, (m) => m.add(tfl.layers.prelu({ alphaInitializer: 'zeros' }))),
  'dense + layerNormalization + leakyReLU': denseCritic(null, (m) => {
    m.add(tfl.layers.layerNormalization({}));
    leaky(m);
  }),
  'conv2d + leakyReLU + conv2d + dense': convCritic((m) => {
    leaky(m);
    m.add(tfl.layers.conv2d({ filters: 2, kernelSize: 2, kernelInitializer: init(4) }));
    leaky(m);
  }),
  'conv2d + leakyReLU + conv2dTranspose': convCritic((m) => {
    leaky(m);
    m.add(
      tfl.layers.conv2dTranspose({
        filters: 2,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(4),
      }),
    );
  }),
  'conv2d + leakyReLU + globalAveragePooling2d': convCritic(
    (m) => {
      leaky(m);
      m.add(tfl.layers.globalAveragePooling2d({}));
    },
    false,
    false,
  ),
  'spectral-norm conv2d + leakyReLU + spectral-norm dense': convCritic(leaky, true),
};

const UNSUPPORTED: Record<string, [Build, RegExp]> = {
  tanh: [denseCritic('tanh'), /tanh \(also mish/],
  sigmoid: [denseCritic('sigmoid'), /sigmoid/],
  swish: [denseCritic('swish'), /sigmoid/],
  mish: [denseCritic('mish'), /tanh/],
  gelu_new: [denseCritic('gelu_new'), /tanh/],
  elu: [denseCritic('elu'), /elu/],
  softmax: [denseCritic('softmax'), /softmax/],
  'max pooling': [
    convCritic((m) => m.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }))),
    /MaxPoolGrad/,
  ],
  'average pooling': [
    convCritic((m) => m.add(tfl.layers.averagePooling2d({ poolSize: 2, strides: 1 }))),
    /AvgPoolGrad/,
  ],
  upSampling2d: [
    convCritic((m) => m.add(tfl.layers.upSampling2d({ size: [2, 2] }))),
    /ResizeNearestNeighborGrad/,
  ],
};

/** Largest relative error between the tape's gradient and central differences (kinks skipped). */
function worstRelativeError(
  penalty: () => tf.Scalar,
  vars: tf.Variable[],
): { worst: number; checked: number } {
  const { value, grads } = tf.variableGrads(penalty, vars);
  let worst = 0;
  let checked = 0;
  const at = () => tf.tidy(() => penalty().dataSync()[0]!);
  for (const v of vars) {
    const analytic = grads[v.name] ? grads[v.name]!.dataSync() : new Float32Array(v.size);
    const orig = v.dataSync().slice();
    const h = 1e-2;
    for (const i of new Set([0, Math.floor(v.size / 2), v.size - 1])) {
      const shifted = (d: number) => {
        const w = orig.slice();
        w[i]! += d;
        v.assign(tf.tensor(w, v.shape));
        return at();
      };
      const fp = shifted(h);
      const fm = shifted(-h);
      v.assign(tf.tensor(orig, v.shape));
      const f0 = at();
      const fd = (fp - fm) / (2 * h);
      // a leakyReLU/relu kink between the two probes makes the one-sided slopes disagree
      if (Math.abs((fp - f0) / h - (f0 - fm) / h) > 0.05 * Math.max(1e-3, Math.abs(fd)) + 1e-3) continue;
      const err = Math.abs(fd - analytic[i]!) / Math.max(1e-3, Math.abs(fd), Math.abs(analytic[i]!));
      worst = Math.max(worst, err);
      checked++;
    }
  }
  tf.dispose([value, ...Object.values(grads)]);
  return { worst, checked };
}

async function registerGankitTrainingKernels(backend: 'wasm' | 'cpu'): Promise<void> {
  // wasm lacks Conv2DBackpropFilter without gankit's training kernels
  registerTrainingKernels(backend);
}

// plain cpu first: registering gankit's cpu kernels is global and comes last
describe.each(['cpu', 'wasm', 'cpu with gankit kernels'] as const)(
  'second-order gradients on %s',
  (variant) => {
    const backend = variant === 'wasm' ? 'wasm' : 'cpu';
    let isTest: boolean;
    beforeAll(async () => {
      isTest = tf.env().getBool('IS_TEST');
      // tfjs' IS_TEST leak check misfires on wasm for fused ops run under a gradient tape
      if (backend === 'wasm') tf.env().set('IS_TEST', false);
      await tf.setBackend(backend);
      if (variant !== 'cpu') await registerGankitTrainingKernels(backend);
    });
    afterAll(async () => {
      tf.env().set('IS_TEST', isTest);
      await tf.setBackend('cpu');
    });

    // gankit's cpu kernels replace convolution gradients only
    const supported = Object.entries(SUPPORTED).filter(
      ([name]) => variant !== 'cpu with gankit kernels' || /conv/.test(name),
    );
    it.each(supported)('R1 and the gradient penalty match finite differences through %s', (_name, build) => {
      const model = build();
      const shape = model.inputs[0]!.shape.slice(1) as number[];
      const real = tf.randomNormal([3, ...shape], 0, 1, 'float32', 7);
      const fake = tf.randomNormal([3, ...shape], 0, 1, 'float32', 8);
      const critic = (x: tf.Tensor) => model.apply(x, { training: false }) as tf.Tensor;
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const r1 = worstRelativeError(() => r1Penalty(critic, real, { gamma: 10 }), vars);
      const gp = worstRelativeError(() => gradientPenalty(critic, real, fake, { seed: 3 }), vars);
      expect(r1.checked).toBeGreaterThan(vars.length);
      expect(r1.worst).toBeLessThan(2e-2);
      expect(gp.worst).toBeLessThan(2e-2);
      tf.dispose([real, fake]);
      model.dispose();
    });

    it('R1 and the gradient penalty match finite differences through batchNormalization in training mode', () => {
      const model = convCritic((m) => {
        m.add(tfl.layers.batchNormalization({}));
        leaky(m);
      })();
      const real = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 7);
      const fake = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 8);
      const critic = (x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor;
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      expect(worstRelativeError(() => r1Penalty(critic, real), vars).worst).toBeLessThan(2e-2);
      expect(
        worstRelativeError(() => gradientPenalty(critic, real, fake, { seed: 3 }), vars).worst,
      ).toBeLessThan(2e-2);
      tf.dispose([real, fake]);
      model.dispose();
    });

    it('R1 through spectral normalization in training mode matches finite differences once u has converged', () => {
      const model = convCritic(leaky, true)();
      const real = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 7);
      const critic = (x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor;
      for (let i = 0; i < 60; i++) tf.dispose(critic(real));
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { worst } = worstRelativeError(() => r1Penalty(critic, real), vars);
      expect(worst).toBeLessThan(3e-2);
      real.dispose();
      model.dispose();
    });

    it.each(Object.entries(UNSUPPORTED).filter(() => variant !== 'cpu with gankit kernels'))(
      'refuses a critic with %s when differentiated, and computes its value otherwise',
      (_name, [build, pattern]) => {
        const model = build();
        const shape = model.inputs[0]!.shape.slice(1) as number[];
        const real = tf.randomNormal([2, ...shape], 0, 1, 'float32', 7);
        const critic = (x: tf.Tensor) => model.apply(x) as tf.Tensor;
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const before = tf.memory().numTensors;
        let error: unknown;
        try {
          tf.variableGrads(() => r1Penalty(critic, real), vars);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(GanError);
        expect((error as GanError).code).toBe('UNSUPPORTED');
        expect((error as GanError).message).toMatch(/^r1Penalty: /);
        expect((error as GanError).message).toMatch(pattern);
        expect((error as GanError).message).toMatch(/Supported: dense, conv2d/);
        expect(tf.memory().numTensors).toBe(before);
        const value = r1Penalty(critic, real);
        expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
        tf.dispose([value, real]);
        model.dispose();
      },
    );
  },
);
