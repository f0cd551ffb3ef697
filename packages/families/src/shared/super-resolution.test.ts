import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, type SrganConfig, train } from '../index.js';
import { superResolutionParts } from './super-resolution.js';

const tiny = ['model.filters=4', 'model.residualBlocks=1', 'training.batchSize=2'];

describe('model.initFrom: a super-resolution generator initialised from a trained one', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'gankit-init-'));
    await train(presetConfig('srresnet-x4', { steps: 2, backend: 'cpu', set: tiny }), {
      out: join(dir, 'base'),
    });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('copies every weight of the saved generator (run folder or model folder)', async () => {
    const saved = await loadModel(join(dir, 'base', 'generator'));
    const expected = await Promise.all(saved.getWeights().map((w) => w.data()));
    saved.dispose();
    for (const from of [join(dir, 'base'), join(dir, 'base', 'generator')]) {
      const config = presetConfig('srgan-x4', {
        backend: 'cpu',
        set: [...tiny, `model.initFrom=${JSON.stringify(from)}`],
      }) as SrganConfig;
      const before = tf.memory().numTensors;
      const lines: string[] = [];
      const parts = await superResolutionParts(config, (l) => lines.push(l));
      const got = await Promise.all(parts.generator.getWeights().map((w) => w.data()));
      expect(got).toEqual(expected);
      expect(lines.some((l) => l.startsWith('generator initialised from'))).toBe(true);
      parts.generator.dispose();
      tf.dispose([parts.preview.inputs, parts.preview.targets]);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('refuses a generator of another architecture, naming the shapes, and a folder without one', async () => {
    const wider = presetConfig('srgan-x4', {
      backend: 'cpu',
      set: [
        'model.filters=8',
        'model.residualBlocks=1',
        `model.initFrom=${JSON.stringify(join(dir, 'base'))}`,
      ],
    }) as SrganConfig;
    const before = tf.memory().numTensors;
    await expect(superResolutionParts(wider, () => {})).rejects.toThrow(
      /model\.initFrom: the generator in .* does not match this config's architecture: its weight 0 \(.*\) is \[9,9,3,4\], expected \[9,9,3,8\]/,
    );
    const missing = presetConfig('srgan-x4', {
      backend: 'cpu',
      set: [...tiny, `model.initFrom=${JSON.stringify(dir)}`],
    }) as SrganConfig;
    await expect(superResolutionParts(missing, () => {})).rejects.toThrow(/holds no trained generator/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
