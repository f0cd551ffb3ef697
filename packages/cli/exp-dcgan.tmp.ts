import { bundledFashionMnistDir, loadFashionMnist, saveImageGrid, setupBackend } from '@gankit/core';
import { datasetBatchSource, dcganStrategy, progressCallback, Trainer } from '@gankit/trainers';

const [name, steps, gw, dw, dbn, lr] = [
  process.argv[2]!,
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
  process.argv[6] === '1',
  Number(process.argv[7] ?? 2e-4),
];
await setupBackend({ backend: 'wasm' });
const ds = await loadFashionMnist({ dir: bundledFashionMnistDir() });
const s = dcganStrategy({
  imageSize: 28,
  channels: 1,
  generator: { baseWidth: gw },
  discriminator: { baseWidth: dw, batchNorm: dbn },
  optimizer: { learningRate: lr },
  seed: 0,
});
const t0 = Date.now();
await new Trainer({
  strategy: s,
  data: datasetBatchSource(ds, { batchSize: 64 }),
  steps,
  callbacks: [progressCallback({ every: 100 })],
}).fit();
const x = s.sample(64, 0);
await saveImageGrid(x as any, `/tmp/exp/${name}.png`, { scale: 2 });
console.log(name, 'ms/step', (Date.now() - t0) / steps);
