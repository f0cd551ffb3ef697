import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss, nonSaturatingGeneratorLoss } from './minimax.js';
import { getAdversarialLoss, listAdversarialLosses } from './registry.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// hand-computed with D = sigmoid: -mean(log D(real)) - mean(log(1 - D(fake)))
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const real = [2, -1, 0.5];
const fake = [-3, 0.25, 1];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('minimax and non-saturating losses', () => {
  it('match the formulas of Goodfellow et al. on hand-computed values', async () => {
    const before = tf.memory().numTensors;
    const r = tf.tensor1d(real);
    const f = tf.tensor2d(fake, [3, 1]);
    const d = minimaxDiscriminatorLoss(r, f);
    const gSat = minimaxGeneratorLoss(f);
    const gNs = nonSaturatingGeneratorLoss(f);
    const expectedD =
      -mean(real.map((x) => Math.log(sigmoid(x)))) - mean(fake.map((x) => Math.log(1 - sigmoid(x))));
    expect(await d.data()).toHaveLength(1);
    expect((await d.data())[0]).toBeCloseTo(expectedD, 5);
    expect((await gSat.data())[0]).toBeCloseTo(mean(fake.map((x) => Math.log(1 - sigmoid(x)))), 5);
    expect((await gNs.data())[0]).toBeCloseTo(-mean(fake.map((x) => Math.log(sigmoid(x)))), 5);
    expect(d.shape).toEqual([]);
    tf.dispose([r, f, d, gSat, gNs]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('give the saturating loss a vanishing gradient where the non-saturating one stays strong', () => {
    const confidentFake = tf.tensor1d([-8]);
    const gSat = tf.grad((x: tf.Tensor) => minimaxGeneratorLoss(x))(confidentFake);
    const gNs = tf.grad((x: tf.Tensor) => nonSaturatingGeneratorLoss(x))(confidentFake);
    // d/dl -softplus(l) = -sigmoid(l) ~ -3e-4;  d/dl softplus(-l) = -sigmoid(-l) ~ -1
    expect(Math.abs(gSat.dataSync()[0]!)).toBeCloseTo(sigmoid(-8), 6);
    expect(gNs.dataSync()[0]!).toBeCloseTo(-sigmoid(8), 6);
    tf.dispose([confidentFake, gSat, gNs]);
  });

  it('are stable for extreme logits', async () => {
    const big = tf.tensor1d([1000, -1000]);
    const d = minimaxDiscriminatorLoss(big, big);
    expect(Number.isFinite((await d.data())[0])).toBe(true);
    tf.dispose([big, d]);
  });

  it('reject logits that are not one per example, naming the function and shape', () => {
    const bad = tf.zeros([4, 2]);
    expect(() => nonSaturatingGeneratorLoss(bad)).toThrow(
      'nonSaturatingGeneratorLoss: fakeLogits must have shape [batch] or [batch, 1] (or [batch, height, width, 1] for patch logits), got [4, 2]',
    );
    expect(() => minimaxDiscriminatorLoss(tf.scalar(1), bad)).toThrow(GanError);
    bad.dispose();
  });

  it('are found by name, and an unknown name lists the valid ones', () => {
    expect(getAdversarialLoss('non-saturating').generator).toBe(nonSaturatingGeneratorLoss);
    expect(getAdversarialLoss('minimax').generator).toBe(minimaxGeneratorLoss);
    expect(listAdversarialLosses()).toEqual(expect.arrayContaining(['minimax', 'non-saturating']));
    expect(() => getAdversarialLoss('wasserstien')).toThrow(
      /unknown adversarial loss 'wasserstien'; valid names: minimax, non-saturating/,
    );
  });
});
