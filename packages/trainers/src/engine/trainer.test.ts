import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticSource } from '../../test/synthetic.js';
import { checkpointCallback } from '../callbacks/checkpoint.js';
import { progressCallback } from '../callbacks/progress.js';
import { sampleGridCallback } from '../callbacks/sample-grid.js';
import { dcganStrategy } from '../strategies/adversarial.js';
import { Trainer } from './trainer.js';
import type { Strategy } from './types.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-trainer-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const tiny = (seed = 1, discriminatorSteps = 1) =>
  dcganStrategy({
    imageSize: 8,
    channels: 1,
    latentDim: 4,
    generator: { baseWidth: 4 },
    discriminator: { baseWidth: 4 },
    discriminatorSteps,
    optimizer: { learningRate: 1e-2 },
    seed,
  });

async function weightsOf(strategy: Strategy): Promise<number[][]> {
  const out: number[][] = [];
  for (const net of Object.values(strategy.networks)) {
    for (const w of net.getWeights()) out.push(Array.from(await w.data()));
  }
  return out;
}

describe('Trainer', () => {
  it('runs seeded steps with finite losses, the same numbers for the same seed, and no leaks', async () => {
    const run = async () => {
      const strategy = tiny();
      const trainer = new Trainer({ strategy, data: syntheticSource([8, 8, 1], 4), steps: 1, seed: 3 });
      await trainer.fit(); // the first step creates Adam's slots
      const before = tf.memory().numTensors;
      trainer.setTotalSteps(5);
      const result = await trainer.fit();
      expect(tf.memory().numTensors).toBe(before);
      expect(result.step).toBe(5);
      expect(Object.keys(result.lastLosses)).toEqual(['d_loss', 'g_loss']);
      for (const v of Object.values(result.lastLosses)) expect(Number.isFinite(v)).toBe(true);
      const w = await weightsOf(strategy);
      strategy.dispose();
      return w;
    };
    expect(await run()).toEqual(await run());
  });

  it('uses k real batches for k discriminator steps', async () => {
    const strategy = tiny(1, 3);
    const data = syntheticSource([8, 8, 1], 4);
    await new Trainer({ strategy, data, steps: 2 }).fit();
    expect(data.getState()).toBe(6);
    strategy.dispose();
  });

  it('resumes exactly: N steps + checkpoint + restore + N steps equals 2N steps', async () => {
    const straight = tiny();
    await new Trainer({ strategy: straight, data: syntheticSource([8, 8, 1], 4), steps: 6, seed: 9 }).fit();
    const expected = await weightsOf(straight);
    straight.dispose();

    const runDir = path.join(tmp, 'resume');
    const first = tiny();
    await new Trainer({
      strategy: first,
      data: syntheticSource([8, 8, 1], 4),
      steps: 3,
      seed: 9,
      runDir,
      callbacks: [checkpointCallback({ every: 3 })],
    }).fit();
    first.dispose();

    const second = tiny(42); // different init: everything must come from the checkpoint
    const trainer = new Trainer({
      strategy: second,
      data: syntheticSource([8, 8, 1], 4),
      steps: 6,
      seed: 0,
      runDir,
    });
    expect(await trainer.restore()).toBe(3);
    await trainer.fit();
    expect(await weightsOf(second)).toEqual(expected);
    second.dispose();
  });

  it('prints progress, writes sample grids and checkpoints', async () => {
    const runDir = path.join(tmp, 'callbacks');
    const lines: string[] = [];
    const strategy = tiny();
    await new Trainer({
      strategy,
      data: syntheticSource([8, 8, 1], 4),
      steps: 4,
      runDir,
      callbacks: [
        progressCallback({ every: 2, log: (l) => lines.push(l) }),
        sampleGridCallback({ every: 2, count: 4 }),
        checkpointCallback({ every: 2 }),
      ],
    }).fit();
    strategy.dispose();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^step 4\/4 {2}d_loss -?\d+\.\d{4} {2}g_loss -?\d+\.\d{4} {2}[\d.]+ step\/s {2}ETA 0s$/,
    );
    expect((await fs.readdir(path.join(runDir, 'samples'))).sort()).toEqual([
      'final.png',
      'step-00000002.png',
      'step-00000004.png',
    ]);
    expect((await fs.readdir(path.join(runDir, 'checkpoints'))).sort()).toEqual([
      'latest',
      'step-00000002',
      'step-00000004',
    ]);
  });

  it('gives every step to onProgress, in place of the lines', async () => {
    const strategy = tiny();
    const lines: string[] = [];
    const seen: { step: number; totalSteps: number; names: string[]; eta: number }[] = [];
    await new Trainer({
      strategy,
      data: syntheticSource([8, 8, 1], 4),
      steps: 3,
      callbacks: [
        progressCallback({
          every: 1,
          log: (l) => lines.push(l),
          status: () => 'FID 1.00 @1',
          onProgress: (p) =>
            seen.push({ step: p.step, totalSteps: p.totalSteps, names: Object.keys(p.losses), eta: p.etaMs }),
        }),
      ],
    }).fit();
    strategy.dispose();
    expect(lines).toEqual([]);
    expect(seen.map((s) => [s.step, s.totalSteps])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(seen[0]!.names).toEqual(['d_loss', 'g_loss']);
    expect(seen[2]!.eta).toBe(0);
  });

  it('stops with a GanError naming the step and the loss term when a loss is not finite', async () => {
    const base = tiny();
    const broken: Strategy = {
      ...base,
      trainStep: (batches, ctx) => {
        const losses = base.trainStep(batches, ctx);
        if (ctx.step === 2) {
          losses.g_loss!.dispose();
          losses.g_loss = tf.scalar(Number.NaN);
        }
        return losses;
      },
    };
    const trainer = new Trainer({ strategy: broken, data: syntheticSource([8, 8, 1], 4), steps: 5 });
    await expect(trainer.fit()).rejects.toThrow(
      new GanError('NON_FINITE', "Trainer: loss 'g_loss' became NaN at step 2"),
    );
    base.dispose();
  });
});
