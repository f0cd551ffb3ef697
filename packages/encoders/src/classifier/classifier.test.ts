import '@tensorflow/tfjs-backend-cpu';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerTrainingKernels } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { loadFashionMnist, toTensorBatch } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ClassifierEncoder,
  classifierEncoder,
  fashionClassifier,
  fashionClassifierDir,
  loadFashionClassifier,
} from '../index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
});

describe('ClassifierEncoder', () => {
  it('returns penultimate features and logits, probabilities and predictions', async () => {
    const clf = fashionClassifier({ seed: 1 });
    expect(clf.classNames).toHaveLength(10);
    expect(clf.inputSpec).toEqual({ range: [-1, 1], channels: 1, minSize: 28, size: [28, 28] });
    const x = tf.randomUniform([3, 28, 28, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const { features, logits } = clf.encode(x);
    expect(features.shape).toEqual([3, 128]);
    expect(logits.shape).toEqual([3, 10]);
    expect(tf.tidy(() => tf.min(features).dataSync()[0])).toBeGreaterThanOrEqual(0); // after ReLU
    const p = clf.probabilities(x);
    for (const s of tf.tidy(() => tf.sum(p, 1).dataSync())) expect(s).toBeCloseTo(1, 5);
    const pred = clf.predict(x);
    expect(pred.dtype).toBe('int32');
    expect(Array.from(pred.dataSync())).toEqual(Array.from(tf.tidy(() => tf.argMax(logits, 1).dataSync())));
    expect(await clf.accuracy(x, pred)).toBe(1);
    tf.dispose([features, logits, p, pred]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(clf.accuracy(x, [1, 2])).rejects.toThrow('got 3 images ([3, 28, 28, 1]) but 2 labels');
    x.dispose();
    clf.dispose();
  });

  it('validates its options and its input', () => {
    expect(() => classifierEncoder({ inputShape: [6, 6, 1], filters: [4, 4, 4] })).toThrow(
      'classifierEncoder: images of 6x6 are too small for 3 pooling steps (need at least 8 pixels)',
    );
    expect(() => classifierEncoder({ classNames: ['only'] })).toThrow(GanError);
    const clf = classifierEncoder({ inputShape: [8, 8, 3], filters: [2], classNames: ['a', 'b'] });
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    expect(() => clf.encode(x)).toThrow(
      'ClassifierEncoder.encode: images must have shape [batch, 8, 8, 3], got [1, 8, 8, 1]',
    );
    x.dispose();
    clf.dispose();
  });
});

describe('the shipped Fashion-MNIST classifier', () => {
  it('loads from the package, frozen, and classifies the bundled test subset', async () => {
    expect(fashionClassifierDir()).toMatch(/packages[/\\]encoders[/\\]weights[/\\]fashion-classifier$/);
    const clf = await loadFashionClassifier();
    expect(clf).toBeInstanceOf(ClassifierEncoder);
    expect(clf.trainable).toBe(false);
    expect(clf.model.trainableWeights).toHaveLength(0);
    const test = await loadFashionMnist({ dir: 'bundled', split: 'test' });
    const { images, labels } = toTensorBatch(test);
    const accuracy = await clf.accuracy(images, labels);
    expect(accuracy).toBeGreaterThanOrEqual(0.87); // 0.89 measured (92.17% on the full test set)
    tf.dispose([images, labels]);
    clf.dispose();
  });

  const dist = join(import.meta.dirname, '..', '..', 'dist');
  it.skipIf(!existsSync(join(dist, 'index.js')))('loads from the built ESM and CJS entries too', async () => {
    const script = (load: string) =>
      `require('@tensorflow/tfjs-backend-cpu');` +
      `(async () => { const tf = require('@tensorflow/tfjs-core'); tf.env().set('IS_TEST', true); await tf.setBackend('cpu');` +
      `const m = ${load}; const clf = await m.loadFashionClassifier();` +
      `console.log(m.fashionClassifierDir(), clf.model.countParams()); })().catch((e) => { console.error(e); process.exit(1); });`;
    const run = promisify(execFile);
    for (const load of [
      `require(${JSON.stringify(join(dist, 'index.cjs'))})`,
      `await import(${JSON.stringify(join(dist, 'index.js'))})`,
    ]) {
      const { stdout } = await run(process.execPath, ['-e', script(load)], { cwd: join(dist, '..') });
      expect(stdout).toMatch(/weights[/\\]fashion-classifier \d+/);
    }
  });
});
