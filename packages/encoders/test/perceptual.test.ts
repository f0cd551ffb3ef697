// The perceptual loss of @gankit/losses runs on gankit's encoders: a truncated VGG (frozen, as
// SRGAN uses it) and a learned CNN encoder (trainable, as the latent-regularized GAN's E).
import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingKernels } from '@gankit/backend';
import { perceptualLoss } from '@gankit/losses';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cnnEncoder, SRGAN_VGG_TAP, vgg19 } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

describe('perceptualLoss with gankit encoders', () => {
  it('runs with a frozen, truncated VGG19: zero for equal images, gradient to the generator output only', () => {
    const vgg = vgg19({ taps: ['block1_conv2', 'block2_conv2_preact'], seed: 1 });
    const target = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const prediction = tf.variable(
      tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 2),
      true,
      'perceptual_pred',
    );
    const before = tf.memory().numTensors;
    const same = perceptualLoss(target, target, { extractor: vgg });
    expect(same.dataSync()[0]).toBe(0);
    const vars = [prediction, ...vgg.model.weights.map((w) => w.read() as tf.Variable)];
    const { value, grads } = tf.variableGrads(
      () =>
        perceptualLoss(prediction, target, {
          extractor: vgg,
          layers: { block1_conv2: 1, block2_conv2_preact: 0.5 },
        }),
      vars,
    );
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const withGrad = Object.entries(grads).filter(([, g]) => g != null);
    expect(withGrad.map(([k]) => k)).toEqual(['perceptual_pred']);
    tf.dispose([same, value, ...withGrad.map(([, g]) => g)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([target, prediction]);
    vgg.dispose();
  });

  it('runs with the SRGAN tap on a grayscale 32x32 batch', () => {
    const vgg = vgg19({ taps: SRGAN_VGG_TAP });
    const a = tf.randomUniform([1, 32, 32, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
    const b = tf.randomUniform([1, 32, 32, 1], -1, 1, 'float32', 4) as tf.Tensor4D;
    const loss = perceptualLoss(a, b, { extractor: vgg, distance: 'l1' });
    expect(loss.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([a, b, loss]);
    vgg.dispose();
  });

  it('runs with a trainable learned CNN encoder, whose weights then get gradients', () => {
    const enc = cnnEncoder({ inputShape: [16, 16, 1], targetShape: [8, 8, 4], baseWidth: 4, seed: 1 });
    const x = tf.randomUniform([2, 16, 16, 1], -1, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.randomUniform([2, 16, 16, 1], -1, 1, 'float32', 6) as tf.Tensor4D;
    const vars = enc.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => perceptualLoss(x, y, { extractor: enc }), vars);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    expect(Object.keys(grads)).toHaveLength(vars.length);
    tf.dispose([x, y, value, ...Object.values(grads)]);
    enc.dispose();
  });
});
