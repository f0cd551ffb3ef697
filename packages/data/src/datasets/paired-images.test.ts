import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setupBackend } from '@gankit/backend';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveImage } from './image-io.js';
import {
  bicubicDownscale,
  bundledSuperResolutionDir,
  loadImageFolder,
  superResolutionPairs,
} from './paired-images.js';

let tmp: string;
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-paired-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const toBytes = (t: Float32Array | Int32Array | Uint8Array) =>
  Uint8Array.from(t, (v) => Math.round((v + 1) * 127.5));

describe('superResolutionPairs', () => {
  it('crops the bundled photos into seeded HR/LR pairs whose LR is the bicubic downscale of HR', async () => {
    const images = await loadImageFolder(bundledSuperResolutionDir());
    expect(images).toHaveLength(36);
    const a = superResolutionPairs(images, { hrSize: 32, scale: 4, batchSize: 3, seed: 5 });
    const b = superResolutionPairs(images, { hrSize: 32, scale: 4, batchSize: 3, seed: 5 });
    const before = tf.memory().numTensors;
    const first = await a.next();
    const again = await b.next();
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(first.inputs.shape).toEqual([3, 8, 8, 3]);
    expect(first.targets.shape).toEqual([3, 32, 32, 3]);
    const hr = await first.targets.data();
    expect(Array.from(hr)).toEqual(Array.from(await again.targets.data()));
    expect(Math.min(...hr)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...hr)).toBeLessThanOrEqual(1);
    // LR is sharp's bicubic downscale of the HR crop
    const hr0 = toBytes(hr.slice(0, 32 * 32 * 3));
    const expected = await bicubicDownscale(hr0, 32, 4);
    expect(Array.from(toBytes((await first.inputs.data()).slice(0, 8 * 8 * 3)))).toEqual(
      Array.from(expected),
    );
    // the stream resumes from a saved position
    const state = a.getState();
    const next = await a.next();
    b.setState(state);
    const replay = await b.next();
    expect(Array.from(await replay.targets.data())).toEqual(Array.from(await next.targets.data()));
    tf.dispose([
      first.inputs,
      first.targets,
      again.inputs,
      again.targets,
      next.inputs,
      next.targets,
      replay.inputs,
      replay.targets,
    ]);
  });

  it('prefetches the next batch without changing the batches, and resumes from getState', async () => {
    const images = await loadImageFolder(bundledSuperResolutionDir());
    const options = { hrSize: 16, scale: 4, batchSize: 2, seed: 3 };
    const plain = superResolutionPairs(images, { ...options, prefetch: false });
    const ahead = superResolutionPairs(images, options);
    const values = async (src: ReturnType<typeof superResolutionPairs>) => {
      const { inputs, targets } = await src.next();
      const out = [...(await inputs.data()), ...(await targets.data())];
      tf.dispose([inputs, targets]);
      return out;
    };
    const before = tf.memory().numTensors;
    const want = [];
    for (let i = 0; i < 4; i++) want.push(await values(plain));
    expect(await values(ahead)).toEqual(want[0]);
    // saved while batch 2 is being prefetched: the position before it
    const state = ahead.getState();
    expect(await values(ahead)).toEqual(want[1]);
    const resumed = superResolutionPairs(images, options);
    resumed.setState(state);
    expect(await values(resumed)).toEqual(want[1]);
    expect(await values(resumed)).toEqual(want[2]);
    // a position set while a batch is prefetched drops that batch
    resumed.setState(state);
    expect(await values(resumed)).toEqual(want[1]);
    expect(await values(ahead)).toEqual(want[2]);
    expect(await values(ahead)).toEqual(want[3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('mirrors and rotates crops of a known image', async () => {
    // a 4x4 image whose pixel (y, x) has red = 16 * y + x
    const data = new Uint8Array(4 * 4 * 3);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) data[(y * 4 + x) * 3] = 16 * y + x;
    const image = { data, width: 4, height: 4, channels: 3 };
    const src = superResolutionPairs([{ file: 'ramp.png', image }], {
      hrSize: 4,
      scale: 2,
      batchSize: 40,
      seed: 1,
    });
    const { inputs, targets } = await src.next();
    const t = toBytes(await targets.data());
    const seen = new Set<string>();
    for (let b = 0; b < 40; b++) {
      const red = Array.from({ length: 16 }, (_, i) => t[(b * 16 + i) * 3]!);
      seen.add(red.join(','));
      // every crop is one of the 8 symmetries of the square: its corners are the image's corners
      expect(new Set([red[0], red[3], red[12], red[15]])).toEqual(new Set([0, 3, 48, 51]));
    }
    expect(seen.size).toBe(8);
    tf.dispose([inputs, targets]);
  });

  it('names a crop larger than an image, an empty folder and an unreadable file', async () => {
    const small = path.join(tmp, 'small');
    await fs.mkdir(small);
    await saveImage(
      { data: new Uint8Array(10 * 10 * 3), width: 10, height: 10, channels: 3 },
      path.join(small, 'tiny.png'),
    );
    const images = await loadImageFolder(small);
    expect(() => superResolutionPairs(images, { hrSize: 16, scale: 4 })).toThrow(
      `superResolutionPairs: ${path.join(small, 'tiny.png')} is 10x10, smaller than the 16x16 crops`,
    );
    expect(() => superResolutionPairs(images, { hrSize: 10, scale: 4 })).toThrow(
      'hrSize 10 must be a multiple of scale 4',
    );
    const empty = path.join(tmp, 'empty');
    await fs.mkdir(empty);
    await expect(loadImageFolder(empty)).rejects.toThrow(
      `loadImageFolder: ${empty} holds no .png, .jpg or .webp images`,
    );
    await fs.writeFile(path.join(small, 'broken.png'), 'nope');
    await expect(loadImageFolder(small)).rejects.toThrow(
      `${path.join(small, 'broken.png')} is not a readable image`,
    );
  });
});
