import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../backend/setup.js';
import { loadModel, saveModel } from '../checkpoint/model-io.js';
import { GanError } from '../errors/gan-error.js';
import { reseedDropout } from '../layers/seeded-dropout.js';
import { patchganDiscriminator, unetGenerator } from './image-to-image.js';
import { srganDiscriminator, srresnetGenerator } from './super-resolution.js';

let tmp: string;
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-supervised-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// parameter counts from the layer formulas (BN: gamma, beta, moving mean and variance)
const conv = (k: number, cin: number, cout: number, bias = true) => k * k * cin * cout + (bias ? cout : 0);
const bn = (c: number) => 4 * c;

describe('srresnetGenerator', () => {
  it('has the parameter count of Ledig et al.: 1,554,883 for 16 blocks of 64 at x4 on RGB', () => {
    const f = 64;
    const expected =
      conv(9, 3, f) +
      f +
      16 * (2 * conv(3, f, f) + 2 * bn(f) + f) +
      conv(3, f, f) +
      bn(f) +
      2 * (conv(3, f, 4 * f) + f) +
      conv(9, f, 3);
    expect(expected).toBe(1_554_883);
    const g = srresnetGenerator();
    expect(g.countParams()).toBe(expected);
    g.dispose();
  });

  it('upscales any input size by 2 or 4, for any batch', () => {
    for (const scale of [2, 4] as const) {
      const g = srresnetGenerator({ scale, filters: 4, residualBlocks: 1, channels: 1 });
      for (const [b, h, w] of [
        [1, 5, 7],
        [3, 8, 8],
      ] as const) {
        const y = tf.tidy(() => g.predict(tf.zeros([b, h, w, 1])) as tf.Tensor);
        expect(y.shape).toEqual([b, h * scale, w * scale, 1]);
        y.dispose();
      }
      g.dispose();
    }
  });

  it('names a bad scale', () => {
    expect(() => srresnetGenerator({ scale: 3 as 2 })).toThrow(
      'srresnetGenerator: scale must be 2 or 4, got 3',
    );
  });
});

describe('srganDiscriminator', () => {
  it('has the eight convs, two dense layers and one logit per image', () => {
    const b = 8;
    const d = srganDiscriminator({ inputSize: 32, channels: 3, baseFilters: b, denseUnits: 16 });
    const widths = [b, b, 2 * b, 2 * b, 4 * b, 4 * b, 8 * b, 8 * b];
    let expected = conv(3, 3, b);
    for (let i = 1; i < 8; i++) expected += conv(3, widths[i - 1]!, widths[i]!, false) + bn(widths[i]!);
    expected += 2 * 2 * 8 * b * 16 + 16 + 16 + 1;
    expect(d.countParams()).toBe(expected);
    const y = tf.tidy(() => d.predict(tf.zeros([3, 32, 32, 3])) as tf.Tensor);
    expect(y.shape).toEqual([3, 1]);
    y.dispose();
    d.dispose();
    expect(() => srganDiscriminator({ inputSize: 40 })).toThrow(
      'srganDiscriminator: inputSize must be divisible by 16',
    );
  });
});

describe('unetGenerator and patchganDiscriminator', () => {
  it('map A to B of the same size, and D gives a map of patch logits', () => {
    const g = unetGenerator({ inputSize: 32, inChannels: 1, outChannels: 3, baseFilters: 4 });
    const d = patchganDiscriminator({
      inputSize: 32,
      conditionChannels: 1,
      imageChannels: 3,
      baseFilters: 4,
    });
    const [y, logits] = tf.tidy(() => {
      const a = tf.zeros([2, 32, 32, 1]);
      const out = g.predict(a) as tf.Tensor;
      return [out, d.predict([a, out]) as tf.Tensor];
    });
    expect(y!.shape).toEqual([2, 32, 32, 3]);
    expect(logits!.shape).toEqual([2, 4, 4, 1]);
    tf.dispose([y!, logits!]);
    g.dispose();
    d.dispose();
  });

  it('has skips at every level (decoder inputs double) and dropout only in training', () => {
    const g = unetGenerator({ inputSize: 16, inChannels: 1, outChannels: 1, baseFilters: 2, depth: 4 });
    const names = g.layers.map((l) => l.name);
    expect(names.filter((n) => n.endsWith('_skip'))).toHaveLength(3);
    expect(names.filter((n) => n.endsWith('_dropout'))).toHaveLength(3);
    const x = tf.randomNormal([1, 16, 16, 1], 0, 1, 'float32', 1);
    const a = g.predict(x) as tf.Tensor;
    const b = g.predict(x) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    reseedDropout(g, 5);
    const t1 = g.apply(x, { training: true }) as tf.Tensor;
    reseedDropout(g, 5);
    const t2 = g.apply(x, { training: true }) as tf.Tensor;
    expect(Array.from(t1.dataSync())).toEqual(Array.from(t2.dataSync()));
    tf.dispose([x, a, b, t1, t2]);
    g.dispose();
  });

  it('names sizes that do not fit', () => {
    expect(() => unetGenerator({ inputSize: 24, inChannels: 1, outChannels: 1 })).toThrow(
      'unetGenerator: inputSize must be a power of two, got 24',
    );
    expect(() => unetGenerator({ inputSize: 8, inChannels: 1, outChannels: 1, depth: 4 })).toThrow(
      'unetGenerator: depth 4 needs an inputSize of at least 16, got 8',
    );
    expect(() => patchganDiscriminator({ inputSize: 4, conditionChannels: 1, imageChannels: 1 })).toThrow(
      GanError,
    );
  });
});

describe('supervised architectures', () => {
  const small = (): [string, tfl.LayersModel, tf.Tensor | tf.Tensor[]][] => [
    [
      'srresnet',
      srresnetGenerator({ scale: 2, filters: 4, residualBlocks: 2, channels: 3 }),
      tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 3),
    ],
    [
      'srgan D',
      srganDiscriminator({ inputSize: 16, baseFilters: 2, denseUnits: 4 }),
      tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4),
    ],
    [
      'unet',
      unetGenerator({ inputSize: 16, inChannels: 1, outChannels: 1, baseFilters: 2 }),
      tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 5),
    ],
    [
      'patchgan',
      patchganDiscriminator({
        inputSize: 16,
        conditionChannels: 1,
        imageChannels: 1,
        baseFilters: 2,
        layers: 2,
      }),
      [
        tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 6),
        tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 7),
      ],
    ],
  ];

  it('reload by name from the tfjs format with identical predictions', async () => {
    for (const [name, model, input] of small()) {
      const dir = path.join(tmp, name.replace(/\W/g, '_'));
      await saveModel(model, dir);
      const reloaded = await loadModel(dir);
      const [a, b] = tf.tidy(() => [model.predict(input) as tf.Tensor, reloaded.predict(input) as tf.Tensor]);
      expect(Array.from(await b!.data())).toEqual(Array.from(await a!.data()));
      tf.dispose([a!, b!, input]);
      model.dispose();
      reloaded.dispose();
    }
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`train on ${backend}: finite gradients for every weight, no leaks`, async () => {
      await setupBackend({ backend, ...(backend === 'wasm' ? { threads: 1 } : {}) });
      for (const [name, model, input] of small()) {
        const before = tf.memory().numTensors;
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.square(model.apply(input, { training: true }) as tf.Tensor)) as tf.Scalar,
          vars,
        );
        expect(Number.isFinite((await value.data())[0]), name).toBe(true);
        expect(Object.keys(grads)).toHaveLength(vars.length);
        for (const g of Object.values(grads)) {
          const v = await g.data();
          expect(v.every(Number.isFinite), name).toBe(true);
        }
        tf.dispose([value, ...Object.values(grads)]);
        expect(tf.memory().numTensors, name).toBe(before);
        tf.dispose(input);
        model.dispose();
      }
      await setupBackend({ backend: 'cpu' });
    });
  }
});
