import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingKernels } from '@gankit/backend';
import { deserialize, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CnnEncoder, cnnEncoder } from './cnn-encoder.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

describe('CnnEncoder', () => {
  it.each([
    [[28, 28, 1], [100]],
    [[32, 32, 3], [16]],
    [
      [24, 24, 3],
      [6, 6, 3],
    ],
    [
      [24, 24, 3],
      [12, 12, 8],
    ],
    [
      [16, 16, 1],
      [32, 32, 2],
    ], // target larger than the input: upscaling layer
    [
      [20, 20, 3],
      [7, 7, 3],
    ], // odd ratio: resize
  ] as const)('maps %j to %j for several batch sizes without leaks', (inputShape, targetShape) => {
    const enc = cnnEncoder({ inputShape, targetShape, baseWidth: 4 });
    const before = tf.memory().numTensors;
    for (const batch of [1, 3]) {
      tf.tidy(() => {
        const out = enc.encode(tf.randomNormal([batch, ...inputShape]) as tf.Tensor4D);
        expect(out.shape).toEqual([batch, ...targetShape]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    enc.dispose();
  });

  it('round-trips its config and reloads by registered name', () => {
    const enc = cnnEncoder({ inputShape: [16, 16, 1], targetShape: [8], baseWidth: 4, seed: 3 });
    const again = deserialize<CnnEncoder>({ className: 'gankit>CnnEncoder', config: enc.getConfig() });
    expect(again).toBeInstanceOf(CnnEncoder);
    expect(again.getConfig()).toEqual(enc.getConfig());
    // the same seed gives the same initial weights
    expect(Array.from(again.model.getWeights()[0]!.dataSync())).toEqual(
      Array.from(enc.model.getWeights()[0]!.dataSync()),
    );
    enc.dispose();
    again.dispose();
  });

  it('passes no gradient to its weights when frozen', () => {
    const enc = cnnEncoder({ inputShape: [8, 8, 1], targetShape: [4], baseWidth: 2 });
    const x = tf.randomNormal([2, 8, 8, 1]) as tf.Tensor4D;
    enc.setTrainable(false);
    expect(enc.model.trainableWeights).toHaveLength(0);
    enc.setTrainable(true);
    const { grads } = tf.variableGrads(() => tf.sum(enc.encode(x)) as tf.Scalar);
    expect(Object.keys(grads).length).toBe(enc.model.trainableWeights.length);
    tf.dispose([x, ...Object.values(grads)]);
    enc.dispose();
  });

  it('names the expected shape when given the wrong images', () => {
    const enc = cnnEncoder({ inputShape: [8, 8, 1], targetShape: [4], baseWidth: 2 });
    const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    expect(() => enc.encode(x)).toThrow(
      'CnnEncoder.encode: images must have shape [batch, 8, 8, 1], got [2, 8, 8, 3]',
    );
    expect(() => cnnEncoder({ inputShape: [8, 8, 1], targetShape: [4, 4] as never })).toThrow(GanError);
    x.dispose();
    enc.dispose();
  });
});

describe('CnnEncoder output shape (property)', () => {
  it('equals the requested target for any input and vector or map target, upscaling included', () => {
    const dim = fc.integer({ min: 1, max: 40 });
    const target = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 64 })),
      fc.tuple(dim, dim, fc.integer({ min: 1, max: 4 })),
    );
    fc.assert(
      fc.property(
        fc.tuple(dim, dim, fc.integer({ min: 1, max: 3 })),
        target,
        fc.integer({ min: 1, max: 3 }),
        (inputShape, targetShape, batch) => {
          const enc = cnnEncoder({ inputShape, targetShape, baseWidth: 2 });
          const before = tf.memory().numTensors;
          const shape = tf.tidy(() => enc.encode(tf.zeros([batch, ...inputShape]) as tf.Tensor4D).shape);
          expect(tf.memory().numTensors).toBe(before);
          enc.dispose();
          expect(shape).toEqual([batch, ...targetShape]);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});
