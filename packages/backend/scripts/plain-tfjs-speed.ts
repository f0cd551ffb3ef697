/**
 * A plain tfjs program (a small conv net, no GAN code) trained with and without
 * @gankit/backend, for the numbers in the package README:
 *   node --conditions=@gankit/source --import tsx packages/backend/scripts/plain-tfjs-speed.ts [steps]
 * Each configuration runs in its own process, so kernel registrations do not mix.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const steps = Number(process.argv[2] ?? 5);
const mode = process.argv[3];

async function run(which: string): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs-backend-wasm');
  if (which === 'gankit') {
    const { setupBackend } = await import('@gankit/backend');
    const report = await setupBackend();
    if (report.chosen !== 'wasm') return `gankit chose ${report.chosen}`;
  } else {
    await tf.setBackend(which);
  }
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 32,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10 }),
    ],
  });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([64, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32', 2), 10);
  const step = () =>
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
  try {
    step(); // warm-up: kernels compiled, buffers allocated
  } catch (e) {
    return `throws: ${(e as Error).message.split('\n')[0]}`;
  }
  const started = performance.now();
  for (let i = 0; i < steps; i++) tf.dispose(step());
  await tf.backend().read(model.getWeights()[0]!.dataId);
  return `${((performance.now() - started) / steps).toFixed(1)} ms/step`;
}

if (mode) {
  console.log(await run(mode));
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`small conv net, batch 64, 28x28x1, Adam; mean of ${steps} steps after one warm-up`);
  for (const [label, which] of [
    ['tfjs cpu backend, as shipped', 'cpu'],
    ['tfjs wasm backend, as shipped', 'wasm'],
    ['setupBackend() from @gankit/backend', 'gankit'],
  ] as const) {
    const out = execFileSync(process.execPath, [...process.execArgv, self, String(steps), which], {
      encoding: 'utf8',
    });
    console.log(`${label.padEnd(40)} ${out.trim().split('\n').at(-1)}`);
  }
}
