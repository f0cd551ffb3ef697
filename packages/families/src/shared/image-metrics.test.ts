import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundledFashionMnistDir, saveModel } from '@gankit/data';
import { dcganGenerator } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
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

describe('image metrics with an InceptionV3 feature network (--features inception:DIR)', () => {
  it('resizes and tiles 28x28x1 images for it, records its provenance, and keeps stats files apart', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-inception-'));
    // a stand-in with InceptionV3's interface (299x299x3 in, pooled features out); real weights cannot be downloaded here
    const net = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [299, 299, 3],
          filters: 6,
          kernelSize: 3,
          strides: 4,
          activation: 'relu',
        }),
        tfl.layers.globalAveragePooling2d({}),
      ],
    });
    await saveModel(net, path.join(dir, 'inception'));
    net.dispose();
    const spec = `inception:${path.join(dir, 'inception')}`;
    const before = tf.memory().numTensors;
    const fakes = (start: number, size: number) =>
      tf.randomUniform([size, 28, 28, 1], -1, 1, 'float32', start + 1) as tf.Tensor4D;
    const m = await imageSetMetrics(fakes, 40, { stats: 'bundled', features: spec });
    expect(tf.memory().numTensors).toBe(before);
    expect(m.provenance.featureNetwork).toMatch(/^InceptionV3 \(.*, 6-d\) from inception$/);
    expect(m.provenance.resolution).toBe('299x299x3');
    expect(m.fid).toBeGreaterThan(0);
    // a stats file of the classifier's features is refused for Inception features
    const file = path.join(dir, 'fashion-ref.json');
    await writeReferenceStatistics(file, { dir: bundledFashionMnistDir() });
    await expect(imageSetMetrics(fakes, 40, { stats: file, features: spec })).rejects.toThrow(
      /was computed with fashion-classifier .* not InceptionV3/,
    );
    await expect(imageSetMetrics(fakes, 40, { stats: 'bundled', features: 'vgg' })).rejects.toThrow(
      "features must be 'fashion' or 'inception:DIR'",
    );
    await fs.rm(dir, { recursive: true, force: true });
  }, 120_000);
});
