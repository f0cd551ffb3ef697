import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticSource } from '../../test/synthetic.js';
import { checkpointCallback } from '../callbacks/checkpoint.js';
import { learningRateFactor, learningRateSchedule } from '../callbacks/learning-rate.js';
import { metricsLogCallback } from '../callbacks/metrics-log.js';
import { dcganStrategy } from '../strategies/adversarial.js';
import type { Callback } from './callbacks.js';
import { WeightsEma } from './ema.js';
import { Trainer } from './trainer.js';
import type { Strategy } from './types.js';
import { getLearningRate, optimizerStep } from './update.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-engine-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const tiny = (seed = 1) =>
  dcganStrategy({
    imageSize: 8,
    channels: 1,
    latentDim: 4,
    generator: { baseWidth: 4 },
    discriminator: { baseWidth: 4 },
    optimizer: { learningRate: 1e-2 },
    seed,
  });

describe('optimizerStep', () => {
  it('clips the global gradient norm', () => {
    const w = tf.variable(tf.tensor1d([3, 4]));
    // loss = 10 * (3w0 + 4w1): gradient [30, 40], norm 50 -> clipped to norm 1: [0.6, 0.8]
    const loss = optimizerStep(
      tf.train.sgd(1),
      () => tf.mul(tf.sum(tf.mul(w, tf.tensor1d([3, 4]))), 10) as tf.Scalar,
      [w],
      { clipNorm: 1 },
    );
    const v = Array.from(w.dataSync());
    expect(v[0]).toBeCloseTo(3 - 0.6, 5);
    expect(v[1]).toBeCloseTo(4 - 0.8, 5);
    expect(loss.dataSync()[0]).toBeCloseTo(250, 3);
    tf.dispose([w, loss]);
  });
});

describe('WeightsEma', () => {
  it('averages weights with the given decay and samples with them', () => {
    const s = tiny();
    const g = s.samplingNetwork();
    const ema = new WeightsEma(g, 0.5);
    const w0 = g.getWeights()[0]!.dataSync()[0]!;
    g.setWeights(g.getWeights().map((w) => tf.add(w, 1)));
    ema.update();
    expect(ema.getWeights()[0]!.dataSync()[0]).toBeCloseTo(w0 + 0.5, 5);
    const live = g.getWeights()[0]!.dataSync()[0]!;
    const seen = ema.withAveragedWeights(() => g.getWeights()[0]!.dataSync()[0]!);
    expect(seen).toBeCloseTo(w0 + 0.5, 5);
    expect(g.getWeights()[0]!.dataSync()[0]).toBe(live);
    ema.dispose();
    s.dispose();
  });

  it('is checkpointed and restored by the trainer', async () => {
    const runDir = path.join(tmp, 'ema');
    const a = tiny();
    const ta = new Trainer({
      strategy: a,
      data: syntheticSource([8, 8, 1], 4),
      steps: 3,
      emaDecay: 0.9,
      runDir,
      callbacks: [checkpointCallback({ every: 3 })],
    });
    await ta.fit();
    const expected = ta.sample(2, 1);
    const b = tiny(5);
    const tb = new Trainer({
      strategy: b,
      data: syntheticSource([8, 8, 1], 4),
      steps: 3,
      emaDecay: 0.9,
      runDir,
    });
    await tb.restore();
    const got = tb.sample(2, 1);
    expect(Array.from(await got.data())).toEqual(Array.from(await expected.data()));
    tf.dispose([expected, got]);
    ta.dispose();
    tb.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('computes constant, linear and cosine factors with warm-up', () => {
    expect(learningRateFactor({ kind: 'constant' }, 10, 100)).toBe(1);
    expect(learningRateFactor({ kind: 'constant', warmupSteps: 10 }, 5, 100)).toBe(0.5);
    expect(learningRateFactor({ kind: 'linear', decayStart: 50 }, 50, 100)).toBe(1);
    expect(learningRateFactor({ kind: 'linear', decayStart: 50 }, 75, 100)).toBe(0.5);
    expect(learningRateFactor({ kind: 'linear' }, 100, 100)).toBe(0);
    expect(learningRateFactor({ kind: 'cosine' }, 50, 100)).toBeCloseTo(0.5, 10);
  });

  it('sets the optimizers before each step and restores the base rate after training', async () => {
    const s = tiny();
    const seen: number[] = [];
    const spy: Callback = {
      name: 'spy',
      onStepEnd: () => void seen.push(getLearningRate(s.optimizers.generator!)),
    };
    await new Trainer({
      strategy: s,
      data: syntheticSource([8, 8, 1], 4),
      steps: 4,
      callbacks: [learningRateSchedule({ kind: 'linear' }), spy],
    }).fit();
    expect(seen.map((v) => Number(v.toFixed(6)))).toEqual([0.0075, 0.005, 0.0025, 0]);
    expect(getLearningRate(s.optimizers.generator!)).toBe(1e-2);
    s.dispose();
  });
});

describe('metrics.jsonl', () => {
  it('logs every step and drops lines past the resumed step', async () => {
    const runDir = path.join(tmp, 'metrics');
    const s = tiny();
    await new Trainer({
      strategy: s,
      data: syntheticSource([8, 8, 1], 4),
      steps: 4,
      runDir,
      callbacks: [metricsLogCallback(), checkpointCallback({ every: 2, atEnd: false })],
    }).fit();
    const file = path.join(runDir, 'metrics.jsonl');
    const lines = (await fs.readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(Object.keys(lines[0])).toEqual(['step', 'time_ms', 'd_loss', 'g_loss']);
    // resume from the step-4 checkpoint? it saved at 2 and 4; restore 4 then run to 6
    const t = new Trainer({
      strategy: s,
      data: syntheticSource([8, 8, 1], 4),
      steps: 6,
      runDir,
      callbacks: [metricsLogCallback()],
    });
    await t.restore(path.join(runDir, 'checkpoints', 'step-00000002'));
    await t.fit();
    const again = (await fs.readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step);
    expect(again).toEqual([1, 2, 3, 4, 5, 6]);
    s.dispose();
  });
});

describe('metrics.jsonl after a kill', () => {
  it('holds every step up to each checkpoint as the checkpoint is written, and resumes past a cut-short line', async () => {
    const runDir = path.join(tmp, 'metrics-kill');
    const file = path.join(runDir, 'metrics.jsonl');
    const s = tiny();
    const onDiskAtCheckpoint: number[][] = [];
    const spy = {
      name: 'spy',
      // runs just after the checkpoint callback of the same step
      async onStepEnd(ctx: { step: number }) {
        if (ctx.step % 3 !== 0) return;
        const text = await fs.readFile(file, 'utf8');
        onDiskAtCheckpoint.push(
          text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).step),
        );
      },
    };
    await new Trainer({
      strategy: s,
      data: syntheticSource([8, 8, 1], 4),
      steps: 7,
      runDir,
      callbacks: [metricsLogCallback(), checkpointCallback({ every: 3, atEnd: false }), spy],
    }).fit();
    expect(onDiskAtCheckpoint).toEqual([
      [1, 2, 3],
      [1, 2, 3, 4, 5, 6],
    ]);
    // a kill mid-append leaves half a line; resuming from step 6 drops it with the lines past 6
    await fs.appendFile(file, '{"step": 8, "time_');
    const t = new Trainer({
      strategy: s,
      data: syntheticSource([8, 8, 1], 4),
      steps: 8,
      runDir,
      callbacks: [metricsLogCallback()],
    });
    await t.restore(path.join(runDir, 'checkpoints', 'step-00000006'));
    await t.fit();
    const steps = (await fs.readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    s.dispose();
  });
});

describe('non-finite guard and signals', () => {
  function nanAt(base: Strategy, badSteps: Set<number>): Strategy {
    let calls = 0;
    return {
      ...base,
      trainStep: (batches, ctx) => {
        const losses = base.trainStep(batches, ctx);
        calls++;
        if (badSteps.has(calls)) {
          losses.d_loss!.dispose();
          losses.d_loss = tf.scalar(Number.POSITIVE_INFINITY);
        }
        return losses;
      },
    };
  }

  it('rolls back to the last checkpoint and continues when asked', async () => {
    const runDir = path.join(tmp, 'rollback');
    const base = tiny();
    const trainer = new Trainer({
      strategy: nanAt(base, new Set([3])),
      data: syntheticSource([8, 8, 1], 4),
      steps: 5,
      runDir,
      onNonFinite: 'rollback',
      callbacks: [checkpointCallback({ every: 1 })],
    });
    const result = await trainer.fit();
    expect(result.step).toBe(5);
    base.dispose();
  });

  // the update of step 3 makes a weight NaN while step 3's loss was still finite
  function nanWeightAfter(base: Strategy, badSteps: Set<number>): Strategy {
    let calls = 0;
    return {
      ...base,
      trainStep: (batches, ctx) => {
        const losses = base.trainStep(batches, ctx);
        calls++;
        if (badSteps.has(calls)) {
          const g = base.samplingNetwork();
          const w = g.getWeights();
          const nan = tf.fill(w[0]!.shape, Number.NaN);
          g.setWeights([nan, ...w.slice(1)]);
          nan.dispose();
        }
        return losses;
      },
    };
  }

  async function allCheckpointWeightsFinite(runDir: string): Promise<boolean> {
    const { loadModel } = await import('@gankit/data');
    const dir = path.join(runDir, 'checkpoints');
    for (const step of (await fs.readdir(dir)).filter((n) => n.startsWith('step-'))) {
      for (const net of await fs.readdir(path.join(dir, step, 'models'))) {
        const m = await loadModel(path.join(dir, step, 'models', net));
        m.dispose();
      }
    }
    return true;
  }

  it('refuses to checkpoint a weight that became NaN, naming it and the step', async () => {
    const runDir = path.join(tmp, 'nan-weight-stop');
    const before = tf.memory().numTensors;
    const base = tiny();
    const trainer = new Trainer({
      strategy: nanWeightAfter(base, new Set([3])),
      data: syntheticSource([8, 8, 1], 4),
      steps: 5,
      runDir,
      callbacks: [checkpointCallback({ every: 1 })],
    });
    const error = await trainer.fit().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NON_FINITE' });
    expect((error as Error).message).toMatch(
      /refusing to save .*step-00000003.*weight '.*' holds NaN at index 0/,
    );
    expect((await fs.readFile(path.join(runDir, 'checkpoints', 'latest'), 'utf8')).trim()).toBe(
      'step-00000002',
    );
    expect(await allCheckpointWeightsFinite(runDir)).toBe(true);
    base.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rolls back past a weight that became NaN and writes only finite checkpoints', async () => {
    const runDir = path.join(tmp, 'nan-weight-rollback');
    const base = tiny();
    const trainer = new Trainer({
      strategy: nanWeightAfter(base, new Set([3])),
      data: syntheticSource([8, 8, 1], 4),
      steps: 5,
      runDir,
      onNonFinite: 'rollback',
      callbacks: [checkpointCallback({ every: 1 })],
    });
    expect((await trainer.fit()).step).toBe(5);
    expect(await allCheckpointWeightsFinite(runDir)).toBe(true);
    base.dispose();
  });

  it('reports the NaN loss, not the final checkpoint that its weights then made impossible', async () => {
    const runDir = path.join(tmp, 'nan-loss-and-weight');
    const base = tiny();
    const poisoned = nanWeightAfter(base, new Set([3]));
    const trainer = new Trainer({
      strategy: nanAt(poisoned, new Set([3])),
      data: syntheticSource([8, 8, 1], 4),
      steps: 5,
      runDir,
      callbacks: [checkpointCallback({ every: 10 })],
    });
    await expect(trainer.fit()).rejects.toThrow("Trainer: loss 'd_loss' became Infinity at step 3");
    expect(await allCheckpointWeightsFinite(runDir).catch(() => true)).toBe(true);
    base.dispose();
  });

  it('saves a checkpoint and stops cleanly on SIGTERM', async () => {
    const runDir = path.join(tmp, 'signal');
    const s = tiny();
    const kill: Callback = {
      name: 'kill',
      onStepEnd: (ctx) => void (ctx.step === 2 && process.emit('SIGTERM', 'SIGTERM')),
    };
    const result = await new Trainer({
      strategy: s,
      data: syntheticSource([8, 8, 1], 4),
      steps: 50,
      runDir,
      checkpointOnSignal: true,
      callbacks: [kill],
    }).fit();
    expect(result).toMatchObject({ step: 2, interruptedBy: 'SIGTERM' });
    expect((await fs.readFile(path.join(runDir, 'checkpoints', 'latest'), 'utf8')).trim()).toBe(
      'step-00000002',
    );
    expect(process.listenerCount('SIGTERM')).toBe(0);
    s.dispose();
  });
});
