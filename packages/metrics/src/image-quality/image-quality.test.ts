import { readFileSync } from 'node:fs';
import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { psnr, ssim } from './image-quality.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

interface Expected {
  psnr_rgb: number;
  psnr_y: number;
  ssim_rgb_gaussian: number;
  ssim_y_gaussian: number;
  ssim_rgb_uniform: number;
}
interface Case {
  name: string;
  height: number;
  width: number;
  reference: number[];
  test: number[];
  crop0: Expected;
  crop4: Expected;
}
// made by fixtures/make-image-quality-fixtures.py with scikit-image 0.19.3
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/image-quality.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const close = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));

describe('psnr and ssim match scikit-image', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const shape: [number, number, number] = [c.height, c.width, 3];
    // 8-bit values as they are (range [0, 255]): the same numbers scikit-image saw
    const ref = tf.tensor3d(c.reference, shape);
    const tst = tf.tensor3d(c.test, shape);
    const before = tf.memory().numTensors;
    for (const crop of [0, 4] as const) {
      const e = crop === 0 ? c.crop0 : c.crop4;
      const o = { range: [0, 255] as const, crop };
      close((await psnr(ref, tst, { ...o, channel: 'rgb' })).mean, e.psnr_rgb, 1e-9);
      close((await psnr(ref, tst, o)).mean, e.psnr_y, 1e-9);
      close((await ssim(ref, tst, { ...o, channel: 'rgb' })).mean, e.ssim_rgb_gaussian, 1e-9);
      close((await ssim(ref, tst, o)).mean, e.ssim_y_gaussian, 1e-9);
      close(
        (await ssim(ref, tst, { ...o, channel: 'rgb', window: 'uniform' })).mean,
        e.ssim_rgb_uniform,
        1e-9,
      );
    }
    // gankit's [-1, 1] images: float32 rounding of the values moves the scores by ~1e-7
    const unit = (t: tf.Tensor) => tf.tidy(() => tf.sub(tf.div(t, 127.5), 1));
    const [a, b] = [unit(ref), unit(tst)];
    close((await psnr(a, b, { crop: 4 })).mean, c.crop4.psnr_y, 1e-5);
    close((await ssim(a, b, { crop: 4 })).mean, c.crop4.ssim_y_gaussian, 1e-5);
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ref, tst]);
  });
});

describe('psnr and ssim', () => {
  it('score each image of a batch, identical images perfectly', async () => {
    const a = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 3);
    const b = tf.concat([
      tf.slice(a, [0, 0, 0, 0], [1, -1, -1, -1]),
      tf.zerosLike(tf.slice(a, [1, 0, 0, 0], [1, -1, -1, -1])),
    ]);
    const p = await psnr(a, b);
    expect(p.perImage[0]).toBe(Number.POSITIVE_INFINITY);
    expect(p.perImage[1]).toBeLessThan(20);
    const s = await ssim(a, b);
    expect(s.perImage[0]).toBeCloseTo(1, 12);
    expect(s.perImage[1]).toBeLessThan(0.5);
    tf.dispose([a, b]);
  });

  it('name mismatched shapes, bad crops, channels and windows', async () => {
    const a = tf.zeros([12, 12, 3]);
    const b = tf.zeros([12, 10, 3]);
    await expect(psnr(a, b)).rejects.toThrow(
      'psnr: the images must have the same shape, got [12, 12, 3] and [12, 10, 3]',
    );
    await expect(psnr(a, a, { crop: 6 })).rejects.toThrow(
      'psnr: crop must be an integer >= 0 leaving pixels of the 12x12 image, got 6',
    );
    await expect(ssim(a, a, { channel: 'lab' as 'y' })).rejects.toThrow(
      "ssim: channel must be 'y' or 'rgb', got 'lab'",
    );
    await expect(ssim(a, a, { crop: 1 })).rejects.toThrow(
      'ssim: the (cropped) image is 10x10, smaller than the 11x11 window',
    );
    await expect(ssim(a, a, { window: 'box' as 'uniform' })).rejects.toBeInstanceOf(GanError);
    tf.dispose([a, b]);
  });
});
