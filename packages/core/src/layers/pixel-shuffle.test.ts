import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../backend/setup.js';
import { pixelShuffle } from './pixel-shuffle.js';

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
});
