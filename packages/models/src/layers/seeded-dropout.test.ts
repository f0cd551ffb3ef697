import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { loadModel, saveModel } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reseedDropout, SeededDropout, seededDropout } from './seeded-dropout.js';

let tmp: string;
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-dropout-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const maskOf = (layer: SeededDropout) =>
  tf.tidy(() => Array.from((layer.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor).dataSync()));

describe('SeededDropout', () => {
  it('scales kept units by 1 / (1 - rate), changes masks per call, repeats them after reseed', () => {
    const layer = seededDropout({ rate: 0.5 });
    layer.reseed(7);
    const first = maskOf(layer);
    const second = maskOf(layer);
    expect(new Set(first)).toEqual(new Set([0, 2]));
    expect(second).not.toEqual(first);
    layer.reseed(7);
    expect(maskOf(layer)).toEqual(first);
    expect(maskOf(layer)).toEqual(second);
  });

  it('is the identity at inference and leaks nothing', () => {
    const layer = seededDropout({ rate: 0.3, seed: 2 });
    const x = tf.tensor2d([[1, 2, 3]]);
    const before = tf.memory().numTensors;
    const y = layer.apply(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('reseeds every layer of a model, and reloads by name', async () => {
    const input = tfl.input({ shape: [8] });
    const a = seededDropout({ rate: 0.5, name: 'a' });
    const b = seededDropout({ rate: 0.5, name: 'b' });
    const out = b.apply(tfl.layers.dense({ units: 8 }).apply(a.apply(input))) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(reseedDropout(model, 3)).toBe(2);
    await saveModel(model, tmp);
    const reloaded = await loadModel(tmp);
    expect(reloaded.layers.filter((l) => l instanceof SeededDropout)).toHaveLength(2);
    expect(reloaded.layers[1]!.getConfig()).toMatchObject({ rate: 0.5, seed: 0 });
    model.dispose();
    reloaded.dispose();
  });

  it('names a bad rate or seed', () => {
    expect(() => seededDropout({ rate: 1 })).toThrow('seededDropout: rate must be < 1');
    expect(() => seededDropout({ rate: -0.1 })).toThrow(GanError);
    expect(() => seededDropout({ rate: 0.5, seed: 1.5 })).toThrow(
      'seededDropout: seed must be an integer >= 0, got 1.5',
    );
  });
});
