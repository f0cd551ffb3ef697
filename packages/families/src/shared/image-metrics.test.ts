import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundledFashionMnistDir } from '@gankit/data';
import { dcganGenerator } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageGenerativeMetrics, imageSetMetrics, writeReferenceStatistics } from './image-metrics.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('image metrics of a generator', () => {
  it('refuses a generator whose images the feature network cannot take, naming both shapes', async () => {
    const g = dcganGenerator({ imageSize: 32, channels: 3, latentDim: 8, baseWidth: 4 });
    await expect(imageGenerativeMetrics(g, { n: 10, stats: 'bundled' })).rejects.toThrow(
      /the generator makes \[32, 32, 3\] images but the feature network \(fashion-classifier .*\) takes \[28, 28, 1\]/,
    );
    g.dispose();
  });

  it('scores uniform noise far from the real images, reusing a stats file, without leaks', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-stats-'));
    const file = path.join(dir, 'ref.json');
    const ref = await writeReferenceStatistics(file, { dir: bundledFashionMnistDir() });
    expect(ref.statistics.count).toBe(500);
    const before = tf.memory().numTensors;
    const noise = await imageSetMetrics(
      (start, size) => tf.randomUniform([size, 28, 28, 1], -1, 1, 'float32', start + 1),
      300,
      { stats: file },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(noise.fid).toBeGreaterThan(100);
    expect(noise.provenance).toMatchObject({ nReal: 500, nFake: 300, resolution: '28x28x1' });
    await fs.rm(dir, { recursive: true, force: true });
  });
});
