import '@tensorflow/tfjs-backend-cpu';
import { spectralNormalization } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  acganDiscriminatorClassLoss,
  acganGeneratorClassLoss,
  charbonnierLoss,
  combineAdversarialLoss,
  featureMatchingLoss,
  getAdversarialLoss,
  getLoss,
  gradientPenalty,
  l1Loss,
  l2Loss,
  latentDistance,
  lipschitzHinge,
  listAdversarialLosses,
  matchingAwareDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  perceptualLoss,
  r1Penalty,
  r2Penalty,
  styleLoss,
  totalVariationLoss,
  weightedSum,
} from '../src/index.js';
import { type ConformanceCase, checkConformance, makeNet, type Net, type NetName } from './conformance.js';

const init = (seed: number) => tfl.initializers.glorotNormal({ seed });
const LATENT = 3;
const BATCH = 4;

let nets: Record<NetName, Net>;
let G: tfl.LayersModel;
let dFeatures: tfl.LayersModel;
let dHead: tfl.LayersModel;
let dClass: tfl.LayersModel;
let dText: tfl.LayersModel;
let dSpectral: tfl.LayersModel;
let eFeatures: tfl.LayersModel;
let eHead: tfl.LayersModel;
let data: { z: tf.Tensor; real: tf.Tensor; labels: tf.Tensor; text: tf.Tensor; wrongText: tf.Tensor };

beforeAll(async () => {
  await tf.setBackend('cpu');
  G = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [LATENT],
        units: 16,
        kernelInitializer: init(1),
        biasInitializer: init(2),
      }),
      tfl.layers.reshape({ targetShape: [4, 4, 1] }),
      tfl.layers.activation({ activation: 'tanh' }),
    ],
  });
  dFeatures = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [4, 4, 1],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        kernelInitializer: init(3),
        biasInitializer: init(4),
      }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
    ],
  });
  dHead = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [16], units: 1, kernelInitializer: init(5) })],
  });
  dClass = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [16], units: 3, kernelInitializer: init(6) })],
  });
  dText = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [20], units: 1, kernelInitializer: init(7) })],
  });
  dSpectral = tfl.sequential({
    layers: [
      spectralNormalization({
        layer: tfl.layers.conv2d({
          inputShape: [4, 4, 1],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          kernelInitializer: init(8),
        }),
        seed: 1,
      }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
      spectralNormalization({ layer: tfl.layers.dense({ units: 1, kernelInitializer: init(9) }), seed: 2 }),
    ],
  });
  eFeatures = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [4, 4, 1],
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: init(10),
      }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
    ],
  });
  eHead = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [4, 4, 2] }),
      tfl.layers.dense({ units: LATENT, kernelInitializer: init(11) }),
    ],
  });
  nets = {
    generator: makeNet([G]),
    discriminator: makeNet([dFeatures, dHead, dClass, dText, dSpectral]),
    encoder: makeNet([eFeatures, eHead]),
  };
  data = {
    z: tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 1),
    real: tf.randomUniform([BATCH, 4, 4, 1], -1, 1, 'float32', 2),
    labels: tf.tensor1d([0, 2, 1, 2], 'int32'),
    text: tf.randomNormal([BATCH, 4], 0, 1, 'float32', 3),
    wrongText: tf.randomNormal([BATCH, 4], 0, 1, 'float32', 4),
  };
});

afterAll(() => {
  for (const m of [G, dFeatures, dHead, dClass, dText, dSpectral, eFeatures, eHead]) m.dispose();
  tf.dispose(Object.values(data));
});

const gen = () => G.apply(data.z, { training: true }) as tf.Tensor;
const feat = (x: tf.Tensor) => dFeatures.apply(x, { training: true }) as tf.Tensor;
const D = (x: tf.Tensor) => dHead.apply(feat(x)) as tf.Tensor;
const Dtext = (x: tf.Tensor, text: tf.Tensor) => dText.apply(tf.concat([feat(x), text], 1)) as tf.Tensor;
// inference mode: in training mode every call advances the power iteration, so values change between calls
const Dsn = (x: tf.Tensor) => dSpectral.apply(x, { training: false }) as tf.Tensor;
const E = (x: tf.Tensor) => eHead.apply(eFeatures.apply(x)) as tf.Tensor;
const extractor = {
  encode: (x: tf.Tensor4D) => {
    const f = eFeatures.apply(x) as tf.Tensor;
    return { conv: f, latent: eHead.apply(f) as tf.Tensor };
  },
};
const styleExtractor = { encode: (x: tf.Tensor4D) => ({ conv: eFeatures.apply(x) as tf.Tensor }) };

const cases: ConformanceCase[] = [];
for (const name of listAdversarialLosses()) {
  const pair = getAdversarialLoss(name);
  cases.push({
    name: `${name} (discriminator)`,
    run: () => tf.tidy(() => pair.discriminator(D(data.real), D(gen()))),
    gradientsTo: ['discriminator'],
    frozen: ['generator'],
  });
  cases.push({
    name: `${name} (generator)`,
    run: () =>
      tf.tidy(() =>
        pair.generatorNeedsRealLogits ? pair.generator(D(gen()), D(data.real)) : pair.generator(D(gen())),
      ),
    gradientsTo: ['generator'],
    frozen: ['discriminator'],
  });
}
cases.push(
  {
    name: 'lsgan with a-b-c = -1, 1, 0 (from the registry)',
    run: () =>
      tf.tidy(() => {
        const pair = getLoss('lsgan', { fakeTarget: -1, realTarget: 1, generatorTarget: 0 });
        return tf.add(pair.discriminator(D(data.real), D(gen())), pair.generator(D(gen()))) as tf.Scalar;
      }),
    gradientsTo: ['generator', 'discriminator'],
  },
  {
    name: 'acgan class term (discriminator)',
    run: () =>
      tf.tidy(() =>
        acganDiscriminatorClassLoss(
          dClass.apply(feat(data.real)) as tf.Tensor,
          data.labels,
          dClass.apply(feat(gen())) as tf.Tensor,
          data.labels,
        ),
      ),
    gradientsTo: ['discriminator'],
    frozen: ['generator'],
  },
  {
    name: 'acgan class term (generator)',
    run: () => tf.tidy(() => acganGeneratorClassLoss(dClass.apply(feat(gen())) as tf.Tensor, data.labels)),
    gradientsTo: ['generator'],
    frozen: ['discriminator'],
  },
  {
    name: 'matching-aware discriminator loss',
    run: () =>
      tf.tidy(() =>
        matchingAwareDiscriminatorLoss(
          Dtext(data.real, data.text),
          Dtext(gen(), data.text),
          Dtext(data.real, data.wrongText),
        ),
      ),
    gradientsTo: ['discriminator'],
    frozen: ['generator'],
  },
  {
    name: 'gradient penalty',
    run: ({ seed }) => tf.tidy(() => gradientPenalty(D, data.real, gen(), { seed })),
    gradientsTo: ['discriminator'],
    frozen: ['generator'],
    random: true,
  },
  {
    name: 'gradient penalty, one-sided, target 0.01',
    run: ({ seed }) =>
      tf.tidy(() => gradientPenalty(D, data.real, gen(), { seed, oneSided: true, target: 0.01 })),
    gradientsTo: ['discriminator'],
    frozen: ['generator'],
    random: true,
  },
  {
    name: 'gradient penalty through spectral normalization',
    run: ({ seed }) => tf.tidy(() => gradientPenalty(Dsn, data.real, gen(), { seed })),
    gradientsTo: ['discriminator'],
    frozen: ['generator'],
    random: true,
  },
  {
    name: 'R1 penalty',
    run: () => tf.tidy(() => r1Penalty(D, data.real)),
    gradientsTo: ['discriminator'],
  },
  {
    name: 'R2 penalty',
    run: () => tf.tidy(() => r2Penalty(D, gen())),
    gradientsTo: ['discriminator'],
    frozen: ['generator'],
  },
  { name: 'L1', run: () => tf.tidy(() => l1Loss(gen(), data.real)), gradientsTo: ['generator'] },
  { name: 'L2', run: () => tf.tidy(() => l2Loss(gen(), data.real)), gradientsTo: ['generator'] },
  {
    name: 'Charbonnier',
    run: () => tf.tidy(() => charbonnierLoss(gen(), data.real)),
    gradientsTo: ['generator'],
  },
  {
    name: 'perceptual (two weighted taps, L1)',
    run: () =>
      tf.tidy(() =>
        perceptualLoss(gen(), data.real, { extractor, layers: { conv: 1, latent: 0.5 }, distance: 'l1' }),
      ),
    gradientsTo: ['generator'],
    frozen: ['encoder'],
  },
  {
    name: 'style',
    run: () => tf.tidy(() => styleLoss(gen(), data.real, { extractor: styleExtractor })),
    gradientsTo: ['generator'],
    frozen: ['encoder'],
  },
  {
    name: 'total variation',
    run: () => tf.tidy(() => totalVariationLoss(gen())),
    gradientsTo: ['generator'],
  },
  {
    name: 'feature matching',
    run: () => tf.tidy(() => featureMatchingLoss(feat(data.real), feat(gen()))),
    gradientsTo: ['generator'],
    frozen: ['discriminator'],
  },
  {
    name: 'latent distance (E step)',
    run: () => tf.tidy(() => latentDistance(E(data.real), E(gen()))),
    gradientsTo: ['encoder'],
    frozen: ['generator'],
  },
  {
    name: 'latent distance (G step, L2)',
    run: () => tf.tidy(() => latentDistance(E(data.real), E(gen()), { norm: 'l2' })),
    gradientsTo: ['generator'],
    frozen: ['encoder'],
  },
  {
    name: 'Lipschitz hinge',
    run: () =>
      tf.tidy(() => {
        const generated = gen();
        return lipschitzHinge(
          { generated, target: data.real, encodedGenerated: E(generated), encodedTarget: E(data.real) },
          { k: 0.01 },
        );
      }),
    gradientsTo: ['encoder'],
    frozen: ['generator'],
  },
  {
    name: 'weighted sum (L1 + TV)',
    run: () =>
      tf.tidy(() => {
        const x = gen();
        const { total, values } = weightedSum({
          l1: [1, l1Loss(x, data.real)],
          tv: [0.1, totalVariationLoss(x)],
        });
        tf.dispose(Object.values(values));
        return total;
      }),
    gradientsTo: ['generator'],
  },
  {
    name: 'adaptive combination (L1 + adversarial)',
    run: () => {
      const r = combineAdversarialLoss(
        () => l1Loss(gen(), data.real),
        () => nonSaturatingGeneratorLoss(D(gen())),
        G.trainableWeights.map((w) => w.read() as tf.Variable),
      );
      tf.dispose([
        r.weight,
        r.values.main,
        r.values.adversarial,
        r.gradientNorms.main,
        r.gradientNorms.adversarial,
      ]);
      return { value: r.total, grads: r.grads };
    },
    gradientsTo: ['generator'],
    frozen: ['discriminator'],
  },
);

describe('conformance: every term of the catalogue', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await checkConformance(c, nets);
  });
});
