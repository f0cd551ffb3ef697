import '@tensorflow/tfjs-backend-cpu';
import { SeededRandom } from '@gankit/core';
import { mlpDiscriminator, mlpGenerator } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { adversarialStrategy, packSamples } from './adversarial.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('PacGAN packing', () => {
  it('packs feature vectors side by side', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const packed = packSamples('t', x, 2);
    expect(packed.shape).toEqual([2, 4]);
    expect(Array.from(await packed.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    tf.dispose([x, packed]);
  });

  it('stacks images along channels, sample by sample', async () => {
    // 4 images of 1x2 pixels with 2 channels: value = 100 * sample + 10 * pixel + channel
    const values: number[] = [];
    for (let n = 0; n < 4; n++)
      for (let p = 0; p < 2; p++) for (let c = 0; c < 2; c++) values.push(100 * n + 10 * p + c);
    const x = tf.tensor4d(values, [4, 1, 2, 2]);
    const before = tf.memory().numTensors;
    const packed = packSamples('t', x, 2);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(packed.shape).toEqual([2, 1, 2, 4]);
    // pack 0, pixel 1: sample 0's channels then sample 1's
    expect(Array.from(await packed.data()).slice(4, 8)).toEqual([10, 11, 110, 111]);
    expect(Array.from(await packed.data()).slice(8, 12)).toEqual([200, 201, 300, 301]);
    tf.dispose([x, packed]);
  });

  it('takes the gradient penalty per pack: the norm of the gradient D sees (worked by hand)', async () => {
    // D(pack) = w . pack with w = [0.1, 0.2, 0.3, 0.4]: the gradient on every pack is w, so the
    // WGAN-GP penalty is 10 (|w| - 1)^2 = 10 (sqrt(0.3) - 1)^2 wherever the interpolates fall
    // (per sample it would be 10 mean((|w[0:2]| - 1)^2, (|w[2:4]| - 1)^2) = 4.264)
    const generator = mlpGenerator({ latentDim: 2, outputDim: 2, hidden: [4], seed: 1 });
    const input = tfl.input({ shape: [4] });
    const linear = tfl.layers.dense({ units: 1, useBias: false, kernelInitializer: 'zeros' });
    const discriminator = tfl.model({ inputs: input, outputs: linear.apply(input) as tfl.SymbolicTensor });
    linear.setWeights([tf.tensor2d([0.1, 0.2, 0.3, 0.4], [4, 1])]);
    const strategy = adversarialStrategy({
      generator,
      discriminator,
      loss: 'wasserstein',
      packing: 2,
      regularizer: { kind: 'gradient-penalty', weight: 10 },
    });
    const images = tf.randomNormal([8, 2], 0, 1, 'float32', 3);
    const losses = strategy.trainStep([{ images }], { step: 1, rng: new SeededRandom(0) });
    const penalty = (await losses.d_penalty!.data())[0]!;
    expect(penalty).toBeCloseTo(10 * (Math.sqrt(0.3) - 1) ** 2, 5);
    tf.dispose([images, ...Object.values(losses)]);
    strategy.dispose();
  });

  it('checks the batch and D input sizes', () => {
    const x = tf.zeros([3, 2]);
    expect(() => packSamples('adversarialStrategy', x, 2)).toThrow(
      'adversarialStrategy: batch size 3 is not divisible by packing 2',
    );
    x.dispose();
    const generator = mlpGenerator({ latentDim: 2, outputDim: 2, hidden: [4] });
    const discriminator = mlpDiscriminator({ inputDim: 2, hidden: [4] });
    expect(() => adversarialStrategy({ generator, discriminator, packing: 3 })).toThrow(
      'adversarialStrategy: generator output [2] packed 3 at a time ([6]) does not match discriminator input [2]',
    );
    generator.dispose();
    discriminator.dispose();
  });
});
