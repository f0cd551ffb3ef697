import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tfc from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dcganDiscriminator, dcganGenerator, dcganResolutionSteps } from './dcgan.js';

beforeAll(async () => {
  await tfc.setBackend('cpu');
});

describe('dcgan architectures', () => {
  it.each([
    [28, 7, 2],
    [32, 4, 3],
    [64, 4, 4],
    [12, 3, 2],
  ])('splits %i into start %i and %i steps', (size, start, steps) => {
    expect(dcganResolutionSteps('t', size)).toEqual({ start, steps });
  });

  it.each([
    [28, 1],
    [32, 3],
    [64, 3],
  ])('generator and discriminator agree on %i px, %i channel(s)', (size, channels) => {
    const g = dcganGenerator({ imageSize: size, channels, latentDim: 16, baseWidth: 8 });
    const d = dcganDiscriminator({ imageSize: size, channels, baseWidth: 8, batchNorm: true });
    const before = tfc.memory().numTensors;
    for (const batch of [1, 3]) {
      tfc.tidy(() => {
        const images = g.predict(tfc.randomNormal([batch, 16])) as tfc.Tensor;
        expect(images.shape).toEqual([batch, size, size, channels]);
        const values = images.dataSync();
        expect(Math.max(...values)).toBeLessThanOrEqual(1);
        expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
        expect((d.predict(images) as tfc.Tensor).shape).toEqual([batch, 1]);
      });
    }
    expect(tfc.memory().numTensors).toBe(before);
    g.dispose();
    d.dispose();
  });

  it('builds the benchmark topology for 28x28x1 at width 64', () => {
    const g = dcganGenerator({ imageSize: 28, channels: 1 });
    const d = dcganDiscriminator({ imageSize: 28, channels: 1 });
    expect(g.layers.map((l) => l.getClassName())).toEqual([
      'InputLayer',
      'Dense',
      'BatchNormalization',
      'ReLU',
      'Reshape',
      'Conv2DTranspose',
      'BatchNormalization',
      'ReLU',
      'Conv2DTranspose',
    ]);
    // dense 100*6272, BN 4*128*7*7 (gamma, beta, moving mean/var), convT 4*4*64*128, BN 4*64, convT 4*4*1*64 + 1
    expect(g.countParams()).toBe(100 * 6272 + 4 * 6272 + 16 * 64 * 128 + 4 * 64 + 16 * 64 + 1);
    // conv 4*4*1*64+64, conv 4*4*64*128+128, dense 7*7*128+1
    expect(d.countParams()).toBe(16 * 64 + 64 + 16 * 64 * 128 + 128 + 6272 + 1);
    g.dispose();
    d.dispose();
  });

  it('initialises deterministically from the seed', () => {
    const a = dcganGenerator({ imageSize: 28, channels: 1, latentDim: 8, baseWidth: 4, seed: 3 });
    const b = dcganGenerator({ imageSize: 28, channels: 1, latentDim: 8, baseWidth: 4, seed: 3 });
    const c = dcganGenerator({ imageSize: 28, channels: 1, latentDim: 8, baseWidth: 4, seed: 4 });
    const w = (m: typeof a) => Array.from(m.getWeights()[0]!.dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    for (const m of [a, b, c]) m.dispose();
  });

  it('rejects bad options with GanErrors naming the argument', () => {
    expect(() => dcganGenerator({ imageSize: 30, channels: 1 })).toThrow(
      /dcganGenerator: imageSize must be s \* 2\^n .* got 30/,
    );
    expect(() => dcganGenerator({ imageSize: 28, channels: 0 })).toThrow(GanError);
    expect(() => dcganDiscriminator({ imageSize: 28, channels: 1, baseWidth: 2.5 })).toThrow(
      /dcganDiscriminator: baseWidth must be an integer >= 1, got 2.5/,
    );
  });
});
