import { setupBackend } from '@gankit/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RawImage } from '../datasets/image-io.js';
import { loadSharp } from '../datasets/image-io.js';
import { tiledUpscale, upscaleRowBands } from './tiled-upscale.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

/** A small fully convolutional x2 generator: two 3x3 convs (receptive radius 2) around an upsampling. */
function toyUpscaler(channels: number) {
  const x = tfl.input({ shape: [null, null, channels] });
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  let h = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) })
    .apply(x) as tfl.SymbolicTensor;
  h = tfl.layers.upSampling2d({ size: [2, 2] }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2d({
      filters: channels,
      kernelSize: 3,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(2),
    })
    .apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: h });
}

function noiseImage(width: number, height: number, channels: number): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 16) & 255;
  }
  return { data, width, height, channels };
}

async function untiled(model: tfl.LayersModel, image: RawImage): Promise<Uint8Array> {
  const y = tf.tidy(() => {
    const x = tf.sub(
      tf.div(tf.tensor4d(image.data, [1, image.height, image.width, image.channels], 'float32'), 127.5),
      1,
    );
    return tf.clipByValue(tf.round(tf.mul(tf.add(model.predict(x) as tf.Tensor, 1), 127.5)), 0, 255);
  });
  const values = Uint8Array.from(await y.data());
  y.dispose();
  return values;
}

describe('tiledUpscale', () => {
  it('equals an untiled run when the overlap covers the receptive field, with bounded tensor memory', async () => {
    const g = toyUpscaler(3);
    const image = noiseImage(131, 77, 3);
    let peakBytes = 0;
    const before = tf.memory().numTensors;
    const tiled = await tiledUpscale(g, image, {
      tile: 32,
      overlap: 3,
      onProgress: () => {
        peakBytes = Math.max(peakBytes, tf.memory().numBytes);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect([tiled.width, tiled.height, tiled.channels]).toEqual([262, 154, 3]);
    const reference = await untiled(g, image);
    let worst = 0;
    for (let i = 0; i < reference.length; i++)
      worst = Math.max(worst, Math.abs(reference[i]! - tiled.data[i]!));
    // float order differs between tile and whole-image convolutions by ~1e-7: at most one level after rounding
    expect(worst).toBeLessThanOrEqual(1);
    // weights plus one tile's activations, far below one whole-image activation (131*77*4 * 8 ch * 4 bytes = 1.3 MB)
    expect(peakBytes).toBeLessThan(600_000);
    g.dispose();
  });

  it('differs from an untiled run only near tile borders when the overlap is too small', async () => {
    const g = toyUpscaler(1);
    const image = noiseImage(64, 64, 1);
    const tiled = await tiledUpscale(g, image, { tile: 32, overlap: 0 });
    const reference = await untiled(g, image);
    const diffAt = (x: number, y: number) => Math.abs(reference[y * 128 + x]! - tiled.data[y * 128 + x]!);
    let interior = 0;
    let seam = 0;
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const nearSeam = Math.abs(x - 64) < 6 || Math.abs(y - 64) < 6;
        if (nearSeam) seam = Math.max(seam, diffAt(x, y));
        else interior = Math.max(interior, diffAt(x, y));
      }
    }
    expect(interior).toBeLessThanOrEqual(1);
    expect(seam).toBeGreaterThan(1);
    g.dispose();
  });

  it('feeds gray images to an RGB generator and keeps alpha', async () => {
    const g = toyUpscaler(3);
    const rgba = noiseImage(20, 10, 4);
    const out = await tiledUpscale(g, rgba, { tile: 8, overlap: 2 });
    expect([out.width, out.height, out.channels]).toEqual([40, 20, 4]);
    // a fully opaque alpha stays opaque
    const opaque = { ...rgba, data: rgba.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    const o2 = await tiledUpscale(g, opaque, { tile: 8, overlap: 2 });
    for (let i = 3; i < o2.data.length; i += 4) expect(o2.data[i]).toBe(255);
    const gray = await tiledUpscale(g, noiseImage(9, 9, 1), { tile: 4, overlap: 2 });
    expect(gray.channels).toBe(3);
    await expect(tiledUpscale(toyUpscaler(1), noiseImage(4, 4, 3))).rejects.toThrow(
      'tiledUpscale: the generator takes 1-channel images, the image has 3 colour channel(s)',
    );
    g.dispose();
  });

  it('yields bands of one tile row each, and the banded alpha equals a resize of the whole', async () => {
    const g = toyUpscaler(3);
    const rgba = noiseImage(21, 30, 4);
    const bands = [];
    for await (const band of upscaleRowBands(g, rgba, { tile: 8, overlap: 2 })) bands.push(band);
    expect(bands.map((b) => [b.y, b.data.length / (b.width * b.channels)])).toEqual([
      [0, 16],
      [16, 16],
      [32, 16],
      [48, 12],
    ]);
    const whole = await tiledUpscale(g, rgba, { tile: 8, overlap: 2 });
    const sharp = await loadSharp('test');
    const alpha = Uint8Array.from({ length: 21 * 30 }, (_, i) => rgba.data[i * 4 + 3]!);
    const reference = await sharp(alpha, { raw: { width: 21, height: 30, channels: 1 } })
      .resize(42, 60, { kernel: 'cubic' })
      .extractChannel(0)
      .raw()
      .toBuffer();
    expect([whole.width, whole.height, whole.channels, reference.length]).toEqual([42, 60, 4, 2520]);
    let worst = 0;
    for (let i = 0; i < reference.length; i++)
      worst = Math.max(worst, Math.abs(whole.data[i * 4 + 3]! - reference[i]!));
    expect(worst).toBe(0);
    g.dispose();
  });
});
