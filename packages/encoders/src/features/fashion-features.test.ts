import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionClassifierDir, fashionClassifierFeatures, loadFashionClassifier } from '../index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fashionClassifierFeatures', () => {
  it('keeps the name and weights hash stored in reference files and model cards', async () => {
    const before = tf.memory().numTensors;
    const extractor = await fashionClassifierFeatures();
    expect(extractor.name).toBe('fashion-classifier (penultimate, 128-d)');
    const bytes = readFileSync(join(fashionClassifierDir(), 'weights.bin'));
    expect(extractor.weightsHash).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 16));
    // the hash in packages/zoo/models/dcgan-fashion/card.json: retraining the classifier must change both
    expect(extractor.weightsHash).toBe('fc2809193544ec88');
    expect(extractor.inputSize).toBeUndefined();
    expect(extractor.inputShape).toEqual([28, 28, 1]);
    expect(extractor.channels).toEqual([1]);
    expect(extractor.dim).toBe(128);
    extractor.dispose();
    extractor.dispose(); // a second dispose does nothing
    expect(tf.memory().numTensors).toBe(before);
  });

  it("returns the classifier's penultimate features, [batch, 128], without leaks", async () => {
    const extractor = await fashionClassifierFeatures(fashionClassifierDir());
    const classifier = await loadFashionClassifier();
    const images = tf.randomUniform([3, 28, 28, 1], -1, 1, 'float32', 5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const features = extractor.features(images);
    expect(features.shape).toEqual([3, 128]);
    expect(tf.memory().numTensors).toBe(before + 1); // the logits are gone
    const { features: reference, logits } = classifier.encode(images);
    expect(Array.from(features.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([features, reference, logits]);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    classifier.dispose();
    extractor.dispose();
  });

  it('rejects images of another shape, naming both shapes', async () => {
    const extractor = await fashionClassifierFeatures();
    const images = tf.zeros([2, 32, 32, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => extractor.features(images)).toThrow(
      'fashionClassifierFeatures: images must have shape [batch, 28, 28, 1], got [2, 32, 32, 1]',
    );
    try {
      extractor.features(images);
    } catch (e) {
      expect(e).toBeInstanceOf(GanError);
      expect((e as GanError).code).toBe('SHAPE_MISMATCH');
    }
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    extractor.dispose();
  });

  it('fails with IO_ERROR for a folder without weights', async () => {
    const dir = join(import.meta.dirname, 'no-such-classifier');
    await expect(fashionClassifierFeatures(dir)).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(fashionClassifierFeatures(dir)).rejects.toThrow(
      `fashionClassifierFeatures: cannot read ${join(dir, 'weights.bin')}`,
    );
  });
});
