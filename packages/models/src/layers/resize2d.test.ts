import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { resize2d } from './resize2d.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Resize2D', () => {
  it('resizes inside a functional model and survives a save/load by registered name', async () => {
    const x = tfl.input({ shape: [4, 4, 2] });
    const y = resize2d({ height: 6, width: 10 }).apply(x) as tfl.SymbolicTensor;
    expect(y.shape).toEqual([null, 6, 10, 2]);
    const model = tfl.model({ inputs: x, outputs: y });
    const saved = await new Promise<tf.io.ModelArtifacts>((resolve) => {
      void model.save({
        save: async (a) => {
          resolve(a);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        },
      });
    });
    expect(JSON.stringify(saved.modelTopology)).toContain('"class_name":"Resize2D"');
    const again = await tfl.loadLayersModel({ load: async () => saved });
    const input = tf.randomNormal([3, 4, 4, 2]);
    const a = model.predict(input) as tf.Tensor;
    const b = again.predict(input) as tf.Tensor;
    expect(b.shape).toEqual([3, 6, 10, 2]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([input, a, b]);
    model.dispose();
    again.dispose();
  });

  it('keeps a constant image constant and passes gradients', () => {
    const layer = resize2d({ height: 7, width: 5 });
    const c = tf.fill([1, 3, 3, 1], 0.5);
    const out = layer.apply(c) as tf.Tensor;
    expect(Math.max(...Array.from(out.dataSync()).map((v) => Math.abs(v - 0.5)))).toBeLessThan(1e-6);
    const g = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t) as tf.Tensor))(c);
    // each output pixel's bilinear weights sum to 1, so the gradients sum to the output size
    expect(tf.sum(g).dataSync()[0]).toBeCloseTo(35, 3);
    tf.dispose([c, out, g]);
  });

  it('scales inputs of any size by an integer factor, as half-pixel bilinear resizing does', async () => {
    const x = tfl.input({ shape: [null, null, 1] });
    const layer = resize2d({ scale: 3 });
    const y = layer.apply(x) as tfl.SymbolicTensor;
    expect(y.shape).toEqual([null, null, null, 1]);
    const input = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const out = layer.apply(input) as tf.Tensor;
    const want = tf.image.resizeBilinear(input, [6, 6], false, true);
    expect(await out.data()).toEqual(await want.data());
    expect(layer.getConfig()).toMatchObject({ scale: 3, interpolation: 'bilinear' });
    expect(layer.getConfig()).not.toHaveProperty('height');
    tf.dispose([input, out, want]);
  });

  it('takes either a size or a scale', () => {
    expect(() => resize2d({ height: 4, width: 4, scale: 2 })).toThrow(
      /give either height and width or scale/,
    );
    expect(() => resize2d({})).toThrow(/give either height and width or scale/);
    expect(() => resize2d({ scale: 0 })).toThrow(/resize2d: scale must be an integer >= 1, got 0/);
  });
});
