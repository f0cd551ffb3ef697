import '@tensorflow/tfjs-backend-wasm';
import { gaussianMixture, mlpDiscriminator, mlpGenerator, saveScatterPlot } from '@gankit/core';
import { modeCoverage } from '@gankit/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { adversarialStrategy, pointsBatchSource, Trainer } from './src/index.js';

await tf.setBackend('wasm');
const [steps, lr, bs, lossName, seed] = [
  Number(process.argv[2] ?? 2000),
  Number(process.argv[3] ?? 1e-3),
  Number(process.argv[4] ?? 256),
  process.argv[5] ?? 'non-saturating',
  Number(process.argv[6] ?? 0),
];
const ring = gaussianMixture({ kind: 'ring', std: Number(process.env.STD ?? 0.05) });
const s = adversarialStrategy({
  generator: mlpGenerator({ latentDim: 16, outputDim: 2, seed }),
  discriminator: mlpDiscriminator({ inputDim: 2, seed: seed + 1 }),
  loss: lossName as 'minimax',
  optimizer: { learningRate: lr, beta1: 0.5 },
});
const t0 = Date.now();
const tr = new Trainer({ strategy: s, data: pointsBatchSource(ring, { batchSize: bs, seed }), steps, seed });
for (const k of [0.25, 0.5, 0.75, 1]) {
  tr.setTotalSteps(Math.round(steps * k));
  const r = await tr.fit();
  const x = s.sample(2500, 123);
  const pts = await x.data();
  x.dispose();
  const cov = modeCoverage(pts, ring.centers, ring.std);
  console.log(
    tr.step,
    JSON.stringify(r.lastLosses),
    cov.modesCaptured,
    cov.highQualityFraction.toFixed(3),
    cov.perMode.join(','),
    ((Date.now() - t0) / 1000).toFixed(1) + 's',
  );
  if (k === 1)
    await saveScatterPlot(
      '/tmp/exp/ring.png',
      [
        {
          points: ring.sample(1000, new (await import('@gankit/core')).SeededRandom(5)),
          color: [160, 160, 160],
        },
        { points: pts, color: [20, 90, 220], radius: 1 },
      ],
      { range: [-3, 3] },
    );
}
