import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { setupBackend } from '@gankit/backend';
import { loadFashionMnist } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricsLogCallback } from '../callbacks/metrics-log.js';
import { datasetBatchSource } from '../data/dataset-source.js';
import { dcganStrategy } from '../strategies/adversarial.js';
import { Trainer } from './trainer.js';

// a full garbage collection before each reading, so RSS shows retained memory, not garbage
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

beforeAll(async () => {
  // the default CPU training path: wasm with gankit's kernels (one thread keeps CI steady)
  await setupBackend({ backend: 'wasm', threads: 1 });
});

describe('a long run on the default CPU path', () => {
  it('200 DCGAN steps on Fashion-MNIST leak no tensors and keep RSS flat', async () => {
    const dataset = await loadFashionMnist({ dir: 'bundled', split: 'train' });
    const strategy = dcganStrategy({
      imageSize: 28,
      channels: 1,
      latentDim: 32,
      generator: { baseWidth: 8 },
      discriminator: { baseWidth: 8, batchNorm: true },
      seed: 0,
    });
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-long-run-'));
    const tensors: number[] = [];
    const readings: { step: number; rssMb: number; heapMb: number }[] = [];
    const trainer = new Trainer({
      strategy,
      data: datasetBatchSource(dataset, { batchSize: 32, seed: 0 }),
      steps: 200,
      seed: 0,
      callbacks: [
        metricsLogCallback({ every: 1, file: path.join(tmp, 'metrics.jsonl') }),
        {
          name: 'memory-probe',
          onStepEnd: ({ step }) => {
            tensors.push(tf.memory().numTensors);
            if (step % 25 === 0) {
              collectGarbage();
              const m = process.memoryUsage();
              readings.push({ step, rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 });
            }
          },
        },
      ],
    });
    const result = await trainer.fit();
    expect(result.step).toBe(200);
    for (const v of Object.values(result.lastLosses)) expect(Number.isFinite(v)).toBe(true);
    // after the first step has created the optimizers' slots the count never moves
    expect(new Set(tensors.slice(1)).size).toBe(1);
    // from step 50 on (kernels compiled, buffers pooled) RSS and the JS heap stay flat;
    // measured: RSS within 1 MB and heap within 0.5 MB over 400 steps
    // (a leak grows with the steps: the median of the last three readings against the first
    // three, so that a single jump of the allocator under a busy machine does not count)
    const settled = readings.filter((r) => r.step >= 50);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const growth = (xs: number[]) => median(xs.slice(-3)) - median(xs.slice(0, 3));
    expect(settled).toHaveLength(7);
    expect(growth(settled.map((r) => r.rssMb)), JSON.stringify(settled)).toBeLessThan(8);
    expect(growth(settled.map((r) => r.heapMb)), JSON.stringify(settled)).toBeLessThan(4);
    trainer.dispose();
    strategy.dispose();
    const lines = (await fs.readFile(path.join(tmp, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(200);
    await fs.rm(tmp, { recursive: true, force: true });
  });
});
