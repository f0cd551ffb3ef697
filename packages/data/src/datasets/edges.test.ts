import { setupBackend } from '@gankit/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { edgeMap } from './edges.js';

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

/** Plain-JS Sobel magnitude with edge replication, the reference. */
function sobelReference(img: number[][]): number[][] {
  const h = img.length;
  const w = img[0]!.length;
  const at = (y: number, x: number) =>
    img[Math.min(h - 1, Math.max(0, y))]![Math.min(w - 1, Math.max(0, x))]!;
  return img.map((row, y) =>
    row.map((_, x) => {
      const gx =
        at(y - 1, x + 1) +
        2 * at(y, x + 1) +
        at(y + 1, x + 1) -
        at(y - 1, x - 1) -
        2 * at(y, x - 1) -
        at(y + 1, x - 1);
      const gy =
        at(y + 1, x - 1) +
        2 * at(y + 1, x) +
        at(y + 1, x + 1) -
        at(y - 1, x - 1) -
        2 * at(y - 1, x) -
        at(y - 1, x + 1);
      return Math.hypot(gx, gy);
    }),
  );
}

describe('edgeMap', () => {
  it('thresholds the Sobel magnitude of the channel mean, as a plain-JS reference does', async () => {
    const h = 7;
    const w = 9;
    const values: number[][] = Array.from({ length: h }, (_, y) =>
      Array.from({ length: w }, (_, x) => Math.sin(x * 1.3 + y * 0.7) * Math.cos(y * 0.9)),
    );
    // two channels whose mean is `values`
    const flat = values.flat().flatMap((v) => [v + 0.25, v - 0.25]);
    const images = tf.tensor4d(flat, [1, h, w, 2]);
    const before = tf.memory().numTensors;
    const edges = edgeMap(images, { threshold: 3 });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(edges.shape).toEqual([1, h, w, 1]);
    const expected = sobelReference(values)
      .flat()
      .map((m) => (m > 3 ? 1 : -1));
    expect(Array.from(await edges.data())).toEqual(expected);
    expect(expected.filter((v) => v === 1).length).toBeGreaterThan(5);
    expect(expected.filter((v) => v === -1).length).toBeGreaterThan(5);
    tf.dispose([images, edges]);
  });

  it('finds no edges in a flat image, and names a wrong rank', () => {
    const flat = tf.fill([2, 5, 5, 1], 0.3) as tf.Tensor4D;
    const e = edgeMap(flat);
    expect(Array.from(e.dataSync()).every((v) => v === -1)).toBe(true);
    tf.dispose([flat, e]);
    const bad = tf.zeros([5, 5, 1]);
    expect(() => edgeMap(bad as unknown as tf.Tensor4D)).toThrow(
      'edgeMap: images must be [batch, height, width, channels], got [5, 5, 1]',
    );
    bad.dispose();
  });
});
