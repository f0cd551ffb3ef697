import '@tensorflow/tfjs-backend-cpu';
import { GanError, SeededRandom } from '@gankit/core';
import { styleEncoder, textConditionalDiscriminator, textConditionalGenerator } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  interpolateEmbeddings,
  type TextBatch,
  type TextToImageMode,
  type TextToImageStrategyOptions,
  textToImageStrategy,
  wrongTextIndices,
} from './text-to-image.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const softplus = (x: number) => Math.log1p(Math.exp(x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sym = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
  layer.apply(x) as tfl.SymbolicTensor;

/**
 * Networks whose logits can be worked out by hand:
 * G(z, t) = 0.125 everywhere (a zero kernel and a 0.125 bias over [z, t]), 2x2x1 images;
 * D(x, t) = sum(x) + t (a ones kernel over [flatten(x), t], zero bias), textDim 1.
 */
function handNets() {
  const z = tfl.input({ shape: [2] });
  const t = tfl.input({ shape: [1] });
  const g = sym(
    tfl.layers.dense({
      units: 4,
      kernelInitializer: tfl.initializers.zeros(),
      biasInitializer: tfl.initializers.constant({ value: 0.125 }),
    }),
    sym(tfl.layers.concatenate(), [z, t]),
  );
  const generator = tfl.model({
    inputs: [z, t],
    outputs: sym(tfl.layers.reshape({ targetShape: [2, 2, 1] }), g),
  });
  const x = tfl.input({ shape: [2, 2, 1] });
  const u = tfl.input({ shape: [1] });
  const logit = sym(
    tfl.layers.dense({
      units: 1,
      kernelInitializer: tfl.initializers.ones(),
      biasInitializer: tfl.initializers.zeros(),
    }),
    sym(tfl.layers.concatenate(), [sym(tfl.layers.flatten(), x), u]),
  );
  const discriminator = tfl.model({ inputs: [x, u], outputs: logit });
  return { generator, discriminator };
}

/** Image 0 all 0.25 (sum 1), image 1 all -0.5 (sum -2); texts 0.5 and -1; labels 0 and 1. */
const handBatch = (): TextBatch =>
  tf.tidy(() => ({
    images: tf.concat([tf.fill([1, 2, 2, 1], 0.25), tf.fill([1, 2, 2, 1], -0.5)]) as tf.Tensor4D,
    embeddings: tf.tensor2d([[0.5], [-1]]),
    labels: tf.tensor1d([0, 1], 'int32'),
  }));

/**
 * The first step's losses as numbers. A second step checks that a step (once the optimizer
 * slots exist) leaves no tensor behind.
 */
function oneStep(options: Partial<TextToImageStrategyOptions>) {
  const preview = tf.tensor2d([[0]]);
  const s = textToImageStrategy({ ...handNets(), preview, ...options });
  preview.dispose();
  const step = () => {
    const batch = handBatch();
    const losses = s.trainStep([batch], { step: 1, rng: new SeededRandom(1) });
    const out = Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.dataSync()[0]!]));
    tf.dispose([...Object.values(losses), ...(Object.values(batch) as tf.Tensor[])]);
    return out;
  };
  const first = step();
  const before = tf.memory().numTensors;
  step();
  expect(tf.memory().numTensors).toBe(before);
  s.dispose();
  return first;
}

describe('GAN-CLS / GAN-INT discriminator loss on a hand-computed case', () => {
  // D(x, t) = sum(x) + t; G makes images of 0.125 (sum 0.5) whatever z and t.
  //   real, right text:  s_r = [1 + 0.5, -2 - 1]  = [1.5, -3]
  //   fake, right text:  s_f = [0.5 + 0.5, 0.5 - 1] = [1, -0.5]
  //   real, wrong text (labels 0, 1: each takes the other's caption): s_w = [1 - 1, -2 + 0.5] = [0, -1.5]
  //   GAN-INT (m = 1): h_int = 0.5 * 0.5 + 0.5 * (-1) = -0.25, fake logit 0.5 - 0.25 = 0.25
  // With cross-entropy on logits, -log D = softplus(-s) and -log(1 - D) = softplus(s):
  //   real term      mean(sp(-1.5), sp(3))        = (0.201413 + 3.048587) / 2 = 1.625000
  //   fake term      mean(sp(1), sp(-0.5))         = (1.313262 + 0.474077) / 2 = 0.893669
  //   wrong term     mean(sp(0), sp(-1.5))         = (0.693147 + 0.201413) / 2 = 0.447280
  //   fake + interp  mean(sp(1), sp(-0.5), sp(0.25)) = (1.313262 + 0.474077 + 0.825939) / 3 = 0.871093
  const real = mean([softplus(-1.5), softplus(3)]);
  const fake = mean([softplus(1), softplus(-0.5)]);
  const wrong = mean([softplus(0), softplus(-1.5)]);
  const fakeInt = mean([softplus(1), softplus(-0.5), softplus(0.25)]);

  it.each([
    // Reed et al.: L_D = -log D(x, h) - (log(1 - D(x, h^)) + log(1 - D(G(z, h), h))) / 2
    ['cls', {}, real + 0.5 * fake + 0.5 * wrong, 2.295474],
    // the interpolated fake joins the fake term
    ['int-cls', {}, real + 0.5 * fakeInt + 0.5 * wrong, 2.284186],
    // no matching-aware term: the plain loss over right-text and interpolated fakes
    ['int', {}, real + fakeInt, 2.496093],
    // as Reed et al.'s reference code: D never sees the interpolated fakes
    ['int', { interpolatedFakesForDiscriminator: false }, real + fake, 2.518669],
    ['cls', { fakeWeight: 1, wrongWeight: 0 }, real + fake, 2.518669],
  ] as const)('%s %j: d_loss = %f (by hand %f)', (mode, extra, expected, byHand) => {
    expect(expected).toBeCloseTo(byHand, 5);
    const { d_loss } = oneStep({ mode: mode as TextToImageMode, ...extra });
    expect(d_loss).toBeCloseTo(expected, 5);
  });

  it("int-cls: G's non-saturating loss covers the right-text and interpolated fakes (D barely moves at lr 1e-9)", () => {
    // mean(sp(-1), sp(0.5), sp(-0.25)) = (0.313262 + 0.974077 + 0.575939) / 3 = 0.621093
    const { g_loss } = oneStep({ mode: 'int-cls', optimizer: { learningRate: 1e-9 } });
    expect(g_loss).toBeCloseTo(mean([softplus(-1), softplus(0.5), softplus(-0.25)]), 5);
    expect(g_loss).toBeCloseTo(0.621093, 5);
  });

  it('with the hinge loss, uses the same three pairs', () => {
    const relu = (x: number) => Math.max(0, x);
    // hinge D: mean(relu(1 - s_r)) + mean(relu(1 + s_fake)), averaged over the fake and wrong pairs
    const r = mean([relu(1 - 1.5), relu(1 + 3)]);
    const expected =
      0.5 * (r + mean([relu(1 + 1), relu(1 - 0.5)])) + 0.5 * (r + mean([relu(1 + 0), relu(1 - 1.5)]));
    expect(oneStep({ mode: 'cls', loss: 'hinge' }).d_loss).toBeCloseTo(expected, 5);
  });
});

describe('wrong text', () => {
  it('is the next caption with another label, or the next caption', () => {
    const before = tf.memory().numTensors;
    const cases: [number[] | undefined, number[]][] = [
      [
        [0, 0, 1],
        [2, 2, 0],
      ],
      [
        [3, 3, 3, 3],
        [1, 2, 3, 0],
      ],
      [
        [0, 1, 1, 2, 0],
        [1, 3, 3, 4, 1],
      ],
      [undefined, [1, 2, 3, 0]],
    ];
    for (const [labels, expected] of cases) {
      const l = labels ? tf.tensor1d(labels, 'int32') : undefined;
      const w = wrongTextIndices(expected.length, l);
      expect(Array.from(w.dataSync())).toEqual(expected);
      expect(w.dtype).toBe('int32');
      tf.dispose([w, ...(l ? [l] : [])]);
    }
    expect(tf.memory().numTensors).toBe(before);
    const bad = tf.tensor1d([0, 1], 'int32');
    expect(() => wrongTextIndices(3, bad)).toThrow('wrongTextIndices: labels must have shape [3], got [2]');
    bad.dispose();
  });
});

describe('GAN-INT interpolation', () => {
  const beta = 0.3;
  const values = [
    [0.1, -2, 3.7],
    [1.25, 0.5, -0.75],
    [-3.3, 2.2, 0.01],
    [7, -1e-3, 0.4],
    [9, 9, 9],
  ];
  /** beta * t1 + (1 - beta) * t2 in float32, as tfjs rounds each product and the sum. */
  const expected = (i: number, j: number) =>
    values[i]!.map((a, c) =>
      Math.fround(
        Math.fround(Math.fround(a) * Math.fround(beta)) +
          Math.fround(Math.fround(values[j]![c]!) * Math.fround(1 - beta)),
      ),
    );

  it('interpolateEmbeddings pairs the first half with the second, exactly', () => {
    const t = tf.tensor2d(values);
    const out = interpolateEmbeddings(t, beta);
    expect(out.shape).toEqual([2, 3]);
    expect(out.arraySync()).toEqual([expected(0, 2), expected(1, 3)]);
    tf.dispose([t, out]);
    expect(() => interpolateEmbeddings(tf.zeros([1, 3]) as tf.Tensor2D)).toThrow(
      'interpolateEmbeddings: embeddings must have shape [n, textDim] with n >= 2, got [1, 3]',
    );
  });

  it("are exactly what G receives after the batch's own text, in D's and G's steps", () => {
    const generator = textConditionalGenerator({
      imageSize: 8,
      channels: 1,
      textDim: 3,
      latentDim: 2,
      compressedTextDim: 2,
      baseWidth: 2,
      seed: 1,
    });
    const discriminator = textConditionalDiscriminator({
      imageSize: 8,
      channels: 1,
      textDim: 3,
      compressedTextDim: 2,
      baseWidth: 2,
      seed: 2,
    });
    const seen: number[][][] = [];
    const apply = generator.apply.bind(generator);
    generator.apply = ((
      inputs: tf.Tensor[],
      kwargs?: tfl.layers.Layer['apply'] extends (a: never, k: infer K) => unknown ? K : never,
    ) => {
      seen.push(inputs[1]!.arraySync() as number[][]);
      return apply(inputs, kwargs);
    }) as typeof generator.apply;
    const s = textToImageStrategy({
      generator,
      discriminator,
      mode: 'int',
      interpolationBeta: beta,
      preview: tf.zeros([1, 3]),
    });
    const batch = { images: tf.zeros([5, 8, 8, 1]) as tf.Tensor4D, embeddings: tf.tensor2d(values) };
    const losses = s.trainStep([batch], { step: 1, rng: new SeededRandom(1) });
    const rounded = values.map((row) => row.map(Math.fround));
    // one call for D's fakes, one on G's tape: the 5 captions, then 2 interpolations
    expect(seen).toEqual([
      [...rounded, expected(0, 2), expected(1, 3)],
      [...rounded, expected(0, 2), expected(1, 3)],
    ]);
    tf.dispose([...Object.values(losses), batch.images, batch.embeddings]);
    s.dispose();
  });
});

/** Toy text-to-image networks and a batch, as in the conformance suite. */
function toy(mode: TextToImageMode, withStyle: boolean, seed = 1) {
  const net = { imageSize: 8, channels: 1, textDim: 4, compressedTextDim: 3, baseWidth: 4 };
  return textToImageStrategy({
    generator: textConditionalGenerator({ ...net, latentDim: 4, seed }),
    discriminator: textConditionalDiscriminator({ ...net, seed: seed + 1 }),
    ...(withStyle
      ? {
          styleEncoder: styleEncoder({
            imageSize: 8,
            channels: 1,
            latentDim: 4,
            baseWidth: 2,
            seed: seed + 2,
          }),
        }
      : {}),
    mode,
    preview: tf.randomNormal([2, 4], 0, 1, 'float32', 9) as tf.Tensor2D,
  });
}
const toyBatch = (n = 4): TextBatch =>
  tf.tidy(() => ({
    images: tf.tanh(tf.randomNormal([n, 8, 8, 1], 0, 1, 'float32', 5)) as tf.Tensor4D,
    embeddings: tf.randomNormal([n, 4], 0, 1, 'float32', 6) as tf.Tensor2D,
    labels: tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 3),
      'int32',
    ),
  }));

describe('textToImageStrategy', () => {
  it.each(['cls', 'int', 'int-cls'] as const)(
    '%s with a style encoder: every trainable weight of G, D and S moves',
    (mode) => {
      const s = toy(mode, true);
      const snapshot = () =>
        Object.fromEntries(
          Object.entries(s.networks).map(([name, net]) => [
            name,
            net.trainableWeights.map((w) => Array.from(w.read().dataSync())),
          ]),
        );
      const start = snapshot();
      const step = (seed: number) => {
        const batch = toyBatch();
        const losses = s.trainStep([batch], { step: 1, rng: new SeededRandom(seed) });
        expect(Object.keys(losses)).toEqual(['d_loss', 'g_loss', 's_loss']);
        for (const v of Object.values(losses)) expect(Number.isFinite(v.dataSync()[0])).toBe(true);
        tf.dispose([...Object.values(losses), ...(Object.values(batch) as tf.Tensor[])]);
      };
      step(2);
      const end = snapshot();
      expect(Object.keys(end)).toEqual(['generator', 'discriminator', 'styleEncoder']);
      for (const [name, weights] of Object.entries(end)) {
        weights.forEach((w, i) => {
          expect(w, `${name} weight ${i}`).not.toEqual(start[name]![i]);
        });
      }
      expect(Object.keys(s.optimizers)).toEqual(['generator', 'discriminator', 'style']);
      // the first step created the optimizer slots; a second leaves nothing behind
      const before = tf.memory().numTensors;
      step(3);
      expect(tf.memory().numTensors).toBe(before);
      s.dispose();
    },
  );

  it('samples one row per preview caption, transfers style, and names its name', () => {
    const s = toy('int-cls', true);
    expect(s.name).toBe('gan-int-cls');
    expect(s.interpolationBeta).toBe(0.5);
    const before = tf.memory().numTensors;
    const grid = s.sample(6, 3);
    expect(grid.shape).toEqual([6, 8, 8, 1]);
    expect(s.gridColumns!(6)).toBe(3);
    // rows 0-2 share caption 0: same as sampling that caption with the same noise
    const text = tf.tidy(
      () => tf.gather(tf.randomNormal([2, 4], 0, 1, 'float32', 9), [0, 0, 0, 1, 1, 1]) as tf.Tensor2D,
    );
    const direct = s.sampleTexts(text, 3);
    expect(Array.from(direct.dataSync())).toEqual(Array.from(grid.dataSync()));
    const moved = s.transferStyle(grid, text);
    expect(moved.shape).toEqual([6, 8, 8, 1]);
    tf.dispose([grid, text, direct, moved]);
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
    const plain = toy('cls', false);
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const t = tf.zeros([1, 4]) as tf.Tensor2D;
    expect(() => plain.transferStyle(x, t)).toThrow(
      'textToImageStrategy: transferStyle needs a styleEncoder; pass one in the options',
    );
    tf.dispose([x, t]);
    plain.dispose();
  });

  it('refuses batches it cannot use and options that do not fit', () => {
    const s = toy('cls', false);
    const run = (batch: TextBatch) => {
      try {
        s.trainStep([batch], { step: 1, rng: new SeededRandom(1) });
      } catch (e) {
        return e as GanError;
      } finally {
        tf.dispose(Object.values(batch) as tf.Tensor[]);
      }
      throw new Error('expected a throw');
    };
    const one = run(toyBatch(1));
    expect(one).toBeInstanceOf(GanError);
    expect(one.message).toBe(
      "textToImageStrategy: mode 'cls' needs batches of at least 2 images (wrong and interpolated text come from other captions of the batch), got 1",
    );
    const b = toyBatch();
    b.embeddings.dispose();
    b.embeddings = tf.zeros([4, 6]) as tf.Tensor2D;
    expect(run(b).message).toBe(
      'textToImageStrategy: batch.embeddings must have shape [4, 4] (one 4-value embedding per image), got [4, 6]',
    );
    expect(run({ images: tf.zeros([2, 8, 8, 1]) } as unknown as TextBatch).message).toBe(
      "textToImageStrategy: every batch needs 'images' and 'embeddings' tensors",
    );
    s.dispose();
    const nets = handNets();
    const preview = tf.zeros([1, 1]) as tf.Tensor2D;
    expect(() => textToImageStrategy({ ...nets, preview, mode: 'gan' as TextToImageMode })).toThrow(
      "textToImageStrategy: mode must be 'cls', 'int', 'int-cls', got 'gan'",
    );
    expect(() => textToImageStrategy({ ...nets, preview, interpolationBeta: 1.5 })).toThrow(
      'textToImageStrategy: interpolationBeta must be',
    );
    expect(() => textToImageStrategy({ ...nets, preview: tf.zeros([1, 2]) as tf.Tensor2D })).toThrow(
      'textToImageStrategy: preview must be [k, 1] text embeddings with k >= 1, got [1, 2]',
    );
    expect(() =>
      textToImageStrategy({
        ...nets,
        preview,
        styleEncoder: styleEncoder({ imageSize: 8, channels: 1, latentDim: 2 }),
      }),
    ).toThrow('textToImageStrategy: styleEncoder must map [2, 2, 1] images to [2] codes');
    preview.dispose();
    nets.generator.dispose();
    nets.discriminator.dispose();
  });
});
