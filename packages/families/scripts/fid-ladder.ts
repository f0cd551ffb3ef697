/**
 * The sanity ladder of gankit's image metrics (Fashion-MNIST classifier features, 10,000 images
 * against the 10,000 test images):
 *   node --conditions=@gankit/source --import tsx packages/families/scripts/fid-ladder.ts RUN_DIR [n]
 * real training images < a trained generator (RUN_DIR, a run or a zoo folder) < an untrained
 * generator of the same architecture < uniform noise. Prints a markdown table.
 */
import * as path from 'node:path';
import { setupBackend } from '@gankit/backend';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist, loadModel, toTensorBatch } from '@gankit/data';
import { dcganGenerator } from '@gankit/models';
import * as tf from '@tensorflow/tfjs-core';
import { type ImageMetrics, imageGenerativeMetrics, imageSetMetrics, readRunConfig } from '../src/index.js';

const [runDir, nArg] = process.argv.slice(2);
if (!runDir) throw new Error('usage: fid-ladder.ts RUN_DIR [n]');
const n = Number(nArg ?? 10000);
await setupBackend({ backend: 'wasm' });
const config = await readRunConfig(runDir);
const m = config.model as { latentDim: number; generatorWidth: number };

const train = await loadFashionMnist({ dir: DEFAULT_FASHION_MNIST_DIR, split: 'train' });
const rows: [string, ImageMetrics][] = [];
rows.push([
  `real: ${n} Fashion-MNIST training images`,
  await imageSetMetrics((start, size) => {
    const b = toTensorBatch(
      train,
      Array.from({ length: size }, (_, i) => start + i),
    );
    b.labels?.dispose();
    return b.images as tf.Tensor4D;
  }, n),
]);
const trained = await loadModel(path.join(runDir, 'generator'));
rows.push([
  `trained: ${path.basename(runDir)} (step ${config.training.steps} config)`,
  await imageGenerativeMetrics(trained, { n }),
]);
trained.dispose();
const untrained = dcganGenerator({
  imageSize: 28,
  channels: 1,
  latentDim: m.latentDim,
  baseWidth: m.generatorWidth,
  seed: 0,
});
rows.push([
  'untrained: the same generator at initialisation',
  await imageGenerativeMetrics(untrained, { n }),
]);
untrained.dispose();
rows.push([
  'uniform noise in [-1, 1]',
  await imageSetMetrics((start, size) => tf.randomUniform([size, 28, 28, 1], -1, 1, 'float32', start + 1), n),
]);

const p = rows[0]![1].provenance;
console.log(
  `${p.featureNetwork}, weights ${p.weightsHash}, ${p.resolution}, ${p.nFake} images vs ${p.reference}\n`,
);
console.log('| images | FID | KID | precision | recall | density | coverage |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [label, r] of rows)
  console.log(
    `| ${label} | ${r.fid.toFixed(2)} | ${r.kid.mean.toFixed(4)} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} | ${r.density.toFixed(3)} | ${r.coverage.toFixed(3)} |`,
  );
