import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { presetConfig, train } from '../index.js';

describe('periodic evaluation (output.evalEvery)', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('scores FID every N steps, shows it on the progress line and appends it to monitor.jsonl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gankit-monitor-'));
    dirs.push(dir);
    const config = presetConfig('dcgan-fashion', {
      steps: 6,
      backend: 'cpu',
      set: [
        'model.generatorWidth=4',
        'model.discriminatorWidth=4',
        'training.batchSize=8',
        'output.progressEvery=2',
        'output.evalEvery=2',
        'output.evalSamples=64',
        'output.evalReference=bundled',
      ],
    });
    const lines: string[] = [];
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    await train(config, { out: join(dir, 'run'), log: (l) => lines.push(l) });
    expect(tf.memory().numTensors).toBe(before);
    const records = (await readFile(join(dir, 'run', 'monitor.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; fid: number });
    // the last step is scored by the end-of-run evaluation instead
    expect(records.map((r) => r.step)).toEqual([2, 4]);
    for (const r of records) expect(r.fid).toBeGreaterThan(0);
    const progress = lines.filter((l) => l.startsWith('step '));
    expect(progress[0]).toContain(`FID ${records[0]!.fid.toFixed(2)} @2`);
    expect(progress[1]).toContain(`FID ${records[1]!.fid.toFixed(2)} @4`);
    expect(progress[2]).toContain(`FID ${records[1]!.fid.toFixed(2)} @4`);
  }, 120_000);
});
