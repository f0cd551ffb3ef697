// Trains gankit's Fashion-MNIST classifier encoder and writes it to
// packages/encoders/weights/fashion-classifier/ (model.json + weights.bin + metrics.json).
//
//   node --conditions=@gankit/source --import tsx packages/encoders/scripts/train-fashion-classifier.ts \
//     [--data /usr/share/datasets/fashion-mnist] [--epochs 8] [--batch 64] [--seed 0] [--out DIR] [--limit N]
//
// Runs on the wasm backend with gankit's training kernels; the full set is 60,000 training and
// 10,000 test images (Debian: apt-get install dataset-fashion-mnist).
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '@gankit/backend';
import {
  BatchSampler,
  DEFAULT_FASHION_MNIST_DIR,
  type ImageDataset,
  loadFashionMnist,
  toTensorBatch,
} from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import { type ClassifierEncoder, fashionClassifier, saveEncoder } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_FASHION_MNIST_DIR },
    epochs: { type: 'string', default: '8' },
    batch: { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
    lr: { type: 'string', default: '0.002' },
    limit: { type: 'string' },
    filters: { type: 'string', default: '16,32,64' },
    'batch-norm': { type: 'boolean', default: false },
    out: { type: 'string', default: resolve(import.meta.dirname, '..', 'weights', 'fashion-classifier') },
  },
});
const epochs = Number(args.epochs);
const batchSize = Number(args.batch);
const seed = Number(args.seed);
const baseLr = Number(args.lr);

async function evaluate(clf: ClassifierEncoder, ds: ImageDataset): Promise<number> {
  const { images, labels } = toTensorBatch(ds);
  const acc = await clf.accuracy(images, labels, 500);
  tf.dispose([images, labels]);
  return acc;
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const kernels = registerTrainingKernels('wasm');
  console.log(`backend ${tf.getBackend()}; training kernels added ${kernels.added.join(', ')}`);
  const limit = args.limit ? { limit: Number(args.limit) } : {};
  const train = await loadFashionMnist({ dir: args.data, split: 'train', ...limit });
  const test = await loadFashionMnist({ dir: args.data, split: 'test' });
  console.log(`train ${train.count} images from ${train.dir}; test ${test.count}`);

  const clf = fashionClassifier({
    seed,
    filters: args.filters.split(',').map(Number),
    batchNorm: args['batch-norm'],
  });
  console.log(`parameters: ${clf.model.countParams()}`);
  const vars = clf.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(baseLr);
  const sampler = new BatchSampler({ size: train.count, batchSize, seed, dropLast: true });
  const stepsPerEpoch = sampler.batchesPerEpoch;
  const totalSteps = epochs * stepsPerEpoch;
  const started = Date.now();
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let lossSum = 0;
    for (const indices of sampler.epochBatches()) {
      // cosine learning-rate decay to 5% of the base rate
      const lr = baseLr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)));
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const { images, labels } = toTensorBatch(train, indices);
      // augmentation: flip every other batch left-right (clothing is left-right symmetric)
      const input = step % 2 === 1 ? tf.tidy(() => tf.reverse(images, 2) as tf.Tensor4D) : images;
      const cost = optimizer.minimize(
        () => {
          const { logits } = clf.encode(input, { training: true });
          return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), logits) as tf.Scalar;
        },
        true,
        vars,
      );
      lossSum += (await cost!.data())[0]!;
      tf.dispose([cost!, images, labels, input]);
      step++;
      if (step % 200 === 0) {
        const secs = (Date.now() - started) / 1000;
        console.log(
          `step ${step}/${totalSteps} loss ${(lossSum / (step - epoch * stepsPerEpoch)).toFixed(4)} ${secs.toFixed(0)}s`,
        );
      }
    }
    const acc = await evaluate(clf, test);
    console.log(
      `epoch ${epoch + 1}/${epochs}: train loss ${(lossSum / stepsPerEpoch).toFixed(4)}, test accuracy ${(acc * 100).toFixed(2)}%`,
    );
  }
  const testAccuracy = await evaluate(clf, test);
  clf.setTrainable(false);
  await saveEncoder(clf, args.out);
  const metrics = {
    dataset: 'Fashion-MNIST',
    trainImages: train.count,
    testImages: test.count,
    testAccuracy,
    epochs,
    batchSize,
    learningRate: baseLr,
    seed,
    filters: clf.getConfig().filters,
    batchNorm: clf.getConfig().batchNorm,
    parameters: clf.model.countParams(),
    backend: tf.getBackend(),
    trainingSeconds: Math.round((Date.now() - started) / 1000),
  };
  await writeFile(join(args.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  console.log(`saved to ${args.out}; test accuracy ${(testAccuracy * 100).toFixed(2)}%`);
  optimizer.dispose();
  clf.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
