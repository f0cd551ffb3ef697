import { setupBackend } from '@gankit/backend';
import { SeededRandom } from '@gankit/core';
import {
  lapganCoarseDiscriminator,
  lapganCoarseGenerator,
  lapganLevelDiscriminator,
  lapganLevelGenerator,
} from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lapganStrategy } from './lapgan.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

const levels = (numClasses?: number) => {
  const c = numClasses ? { numClasses } : {};
  return [
    {
      generator: lapganCoarseGenerator({ size: 4, channels: 1, latentDim: 4, hidden: [8], name: 'g0', ...c }),
      discriminator: lapganCoarseDiscriminator({ size: 4, channels: 1, hidden: [8], name: 'd0', ...c }),
    },
    {
      generator: lapganLevelGenerator({ size: 8, channels: 1, width: 2, name: 'g1', ...c }),
      discriminator: lapganLevelDiscriminator({ size: 8, channels: 1, width: 2, name: 'd1', ...c }),
    },
  ];
};

describe('lapganStrategy', () => {
  it('trains every level on its own: one D and one G loss per level, each optimizer moving its level only', () => {
    const s = lapganStrategy({ levels: levels() });
    const before = s.networks.generator_1!.getWeights().map((w) => w.dataSync().slice());
    const images = tf.tanh(tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3));
    const losses = s.trainStep([{ images }], { step: 1, rng: new SeededRandom(1) });
    expect(Object.keys(losses).sort()).toEqual(['d_loss_0', 'd_loss_1', 'g_loss_0', 'g_loss_1']);
    for (const v of Object.values(losses)) expect(Number.isFinite(v.dataSync()[0])).toBe(true);
    const after = s.networks.generator_1!.getWeights().map((w) => w.dataSync());
    expect(after.some((w, i) => w.some((v, j) => v !== before[i]![j]))).toBe(true);
    expect(s.latentParts).toEqual([4, 64]);
    tf.dispose([images, ...Object.values(losses)]);
    s.dispose();
  });

  it('frees every network, optimizer slot and the sampling model on dispose', () => {
    const start = tf.memory().numTensors;
    const s = lapganStrategy({ levels: levels(3), numClasses: 3 });
    const images = tf.zeros([3, 8, 8, 1]);
    const labels = tf.tensor1d([0, 1, 2], 'int32');
    const losses = s.trainStep([{ images, labels }], { step: 1, rng: new SeededRandom(1) });
    const sample = s.sample(6, 1);
    expect(sample.shape).toEqual([6, 8, 8, 1]);
    tf.dispose([images, labels, sample, ...Object.values(losses)]);
    s.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('refuses networks without the level inputs, batches of the wrong size and missing labels', () => {
    const wrong = levels();
    expect(() => lapganStrategy({ levels: [wrong[1]!] })).toThrow(
      'lapganStrategy: level 0 needs a generator with 1 inputs and a discriminator with 1',
    );
    expect(() => lapganStrategy({ levels: [] })).toThrow(
      'lapganStrategy: levels must list at least the coarsest level',
    );
    for (const l of wrong) {
      l.generator.dispose();
      l.discriminator.dispose();
    }
    const s = lapganStrategy({ levels: levels(3), numClasses: 3 });
    const rng = new SeededRandom(1);
    const small = tf.zeros([2, 4, 4, 1]);
    expect(() => s.trainStep([{ images: small }], { step: 1, rng })).toThrow(
      'lapganStrategy: batches must be [batch, 8, 8, channels] images, got [2, 4, 4, 1]',
    );
    const images = tf.zeros([2, 8, 8, 1]);
    expect(() => s.trainStep([{ images }], { step: 1, rng })).toThrow(
      'lapganStrategy: every batch needs labels',
    );
    tf.dispose([small, images]);
    s.dispose();
  });
});
