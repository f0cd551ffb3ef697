import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { styleEncoder, textConditionalDiscriminator, textConditionalGenerator } from './text-conditional.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('text-conditional architectures (Reed et al. 2016)', () => {
  it.each([
    [28, 3, 7],
    [32, 3, 4],
    [64, 1, 4],
  ])('agree on %i px, %i channel(s); the text joins D at its %ix%i map', (size, channels, start) => {
    const g = textConditionalGenerator({
      imageSize: size,
      channels,
      textDim: 12,
      latentDim: 6,
      compressedTextDim: 5,
      baseWidth: 4,
    });
    const d = textConditionalDiscriminator({
      imageSize: size,
      channels,
      textDim: 12,
      compressedTextDim: 5,
      baseWidth: 4,
    });
    const s = styleEncoder({ imageSize: size, channels, latentDim: 6, baseWidth: 4 });
    const widest = d.getLayer('joint').getConfig().filters as number;
    // the image's smallest map and the replicated compressed text, stacked on channels
    expect(d.getLayer('image_text').outputShape).toEqual([null, start, start, widest + 5]);
    expect(g.getLayer('z_text').outputShape).toEqual([null, 6 + 5]);
    const before = tf.memory().numTensors;
    for (const batch of [1, 3]) {
      tf.tidy(() => {
        const text = tf.randomNormal([batch, 12], 0, 1, 'float32', 1);
        const images = g.predict([tf.randomNormal([batch, 6], 0, 1, 'float32', 2), text]) as tf.Tensor;
        expect(images.shape).toEqual([batch, size, size, channels]);
        expect((d.predict([images, text]) as tf.Tensor).shape).toEqual([batch, 1]);
        expect((s.predict(images) as tf.Tensor).shape).toEqual([batch, 6]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const m of [g, d, s]) m.dispose();
  });

  it('is seeded, and both networks see the text', () => {
    const make = () => ({
      g: textConditionalGenerator({
        imageSize: 8,
        channels: 1,
        textDim: 4,
        latentDim: 3,
        compressedTextDim: 2,
        baseWidth: 2,
        seed: 5,
      }),
      d: textConditionalDiscriminator({
        imageSize: 8,
        channels: 1,
        textDim: 4,
        compressedTextDim: 2,
        baseWidth: 2,
        seed: 6,
      }),
    });
    const a = make();
    const b = make();
    tf.tidy(() => {
      const z = tf.randomNormal([2, 3], 0, 1, 'float32', 1);
      const t1 = tf.randomNormal([2, 4], 0, 1, 'float32', 2);
      const t2 = tf.randomNormal([2, 4], 0, 1, 'float32', 3);
      const x = a.g.predict([z, t1]) as tf.Tensor;
      expect(Array.from(x.dataSync())).toEqual(Array.from((b.g.predict([z, t1]) as tf.Tensor).dataSync()));
      const x2 = a.g.predict([z, t2]) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(x, x2))).dataSync()[0]).toBeGreaterThan(0);
      const l1 = a.d.predict([x, t1]) as tf.Tensor;
      const l2 = a.d.predict([x, t2]) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(l1, l2))).dataSync()[0]).toBeGreaterThan(0);
    });
    for (const m of [a.g, a.d, b.g, b.d]) m.dispose();
  });

  it('names the bad option', () => {
    expect(() => textConditionalGenerator({ imageSize: 28, channels: 3, textDim: 0 })).toThrow(
      'textConditionalGenerator: textDim must be an integer >= 1, got 0',
    );
    expect(() => textConditionalDiscriminator({ imageSize: 30, channels: 3, textDim: 4 })).toThrow(
      /^textConditionalDiscriminator: imageSize must be s \* 2\^n/,
    );
  });
});
