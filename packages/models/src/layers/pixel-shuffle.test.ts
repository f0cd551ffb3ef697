import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { PixelShuffle, pixelShuffle } from './pixel-shuffle.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

describe('PixelShuffle', () => {
  it('moves channel (i * r + j) * c + k of pixel (h, w) to pixel (h * r + i, w * r + j), channel k', async () => {
    const [h, w, r, c] = [2, 3, 2, 2];
    const values = Array.from({ length: h * w * r * r * c }, (_, n) => n);
    const x = tf.tensor4d(values, [1, h, w, r * r * c]);
    const y = pixelShuffle({ factor: r }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, h * r, w * r, c]);
    const out = await y.data();
    for (let hh = 0; hh < h; hh++)
      for (let ww = 0; ww < w; ww++)
        for (let i = 0; i < r; i++)
          for (let j = 0; j < r; j++)
            for (let k = 0; k < c; k++) {
              const src = (hh * w + ww) * r * r * c + (i * r + j) * c + k;
              const dst = ((hh * r + i) * w * r + (ww * r + j)) * c + k;
              expect(out[dst]).toBe(values[src]);
            }
    tf.dispose([x, y]);
  });

  it('infers its output shape in a model with unknown spatial size', () => {
    const input = tfl.input({ shape: [null, null, 12] });
    const out = pixelShuffle({ factor: 2 }).apply(input) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, null, null, 3]);
    expect(() => pixelShuffle({ factor: 1 })).toThrow('pixelShuffle: factor');
  });

  it('passes the gradient back through the inverse permutation, without leaks', () => {
    const [h, w, r, c] = [3, 2, 3, 2];
    const x = tf.randomNormal([2, h, w, r * r * c], 0, 1, 'float32', 11);
    const weights = tf.randomNormal([2, h * r, w * r, c], 0, 1, 'float32', 12);
    const layer = pixelShuffle({ factor: r });
    const before = tf.memory().numTensors;
    // d/dx sum(weights * shuffle(x)) = weights moved back to where each value came from
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(weights, layer.apply(t) as tf.Tensor)))(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    const gv = g.dataSync();
    const wv = weights.dataSync();
    for (let n = 0; n < 2; n++)
      for (let hh = 0; hh < h; hh++)
        for (let ww = 0; ww < w; ww++)
          for (let i = 0; i < r; i++)
            for (let j = 0; j < r; j++)
              for (let k = 0; k < c; k++) {
                const src = ((n * h + hh) * w + ww) * r * r * c + (i * r + j) * c + k;
                const dst = ((n * h * r + hh * r + i) * w * r + (ww * r + j)) * c + k;
                expect(gv[src]).toBe(wv[dst]);
              }
    tf.dispose([x, weights, g]);
  });

  it('round-trips its config and reloads by its registered name inside a saved model', async () => {
    const layer = pixelShuffle({ factor: 3, name: 'shuffle' });
    const config = layer.getConfig();
    expect(config.factor).toBe(3);
    const copy = PixelShuffle.fromConfig(PixelShuffle, config) as PixelShuffle;
    expect(copy.getConfig()).toEqual(config);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.PixelShuffle?.[0]).toBe(PixelShuffle);

    const input = tfl.input({ shape: [null, null, 18] });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const saved = await new Promise<tf.io.ModelArtifacts>((resolve) => {
      void model.save({
        save: async (a) => {
          resolve(a);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        },
      });
    });
    expect(JSON.stringify(saved.modelTopology)).toContain('"class_name":"PixelShuffle"');
    const again = await tfl.loadLayersModel({ load: async () => saved });
    const x = tf.randomNormal([2, 2, 5, 18], 0, 1, 'float32', 13);
    const a = model.predict(x) as tf.Tensor;
    const b = again.predict(x) as tf.Tensor;
    expect(b.shape).toEqual([2, 6, 15, 2]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
  });

  it('names channels that are not a multiple of factor squared', () => {
    const input = tfl.input({ shape: [4, 4, 6] });
    expect(() => pixelShuffle({ factor: 2 }).apply(input)).toThrow(
      'pixelShuffle: input must be [batch, height, width, channels] with channels a multiple of 4 (factor 2 squared), got [null, 4, 4, 6]',
    );
    const x = tf.zeros([1, 2, 2, 8]);
    expect(() => pixelShuffle({ factor: 3 }).apply(x)).toThrow(GanError);
    x.dispose();
  });
});
