import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lossLines, tempDir, writeFakeRun } from './internal/test-helpers.js';
import { parseStepLog, readRunRecord } from './run-record.js';

let root: string;
beforeEach(async () => {
  root = await tempDir();
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('parseStepLog', () => {
  it('keeps the last line for a repeated step and sorts by step', () => {
    const log = parseStepLog(
      [
        '{"step":1,"time_ms":10,"d_loss":1.5,"g_loss":0.7}',
        '{"step":2,"time_ms":20,"d_loss":1.4,"g_loss":0.8}',
        '{"step":3,"time_ms":30,"d_loss":9,"g_loss":9}',
        // rolled back to step 2 and resumed: steps 3 and 4 again
        '{"step":3,"time_ms":5,"d_loss":1.3,"g_loss":0.9}',
        '{"step":4,"time_ms":9,"d_loss":1.2,"g_loss":1.0,"g_adv":0.1}',
      ].join('\n'),
    );
    expect(log.rows.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(log.rows[2]!.values).toEqual({ d_loss: 1.3, g_loss: 0.9 });
    expect(log.rows[2]!.timeMs).toBe(5);
    expect(log.repeatedSteps).toBe(1);
    expect(log.keys).toEqual(['d_loss', 'g_loss', 'g_adv']);
  });

  it('counts and skips lines that are not an object with a numeric step', () => {
    const log = parseStepLog(
      [
        '{"step":1,"d_loss":1}',
        '{"step":2,"d_lo', // cut short by a kill
        '[1,2]',
        '{"d_loss":3}',
        '{"step":"3","d_loss":3}',
        '',
        '   ',
        '{"step":4,"d_loss":null,"note":"text","g_loss":2}',
      ].join('\r\n'),
    );
    expect(log.malformedLines).toBe(4);
    expect(log.rows.map((r) => r.step)).toEqual([1, 4]);
    expect(log.rows[1]!.values).toEqual({ g_loss: 2 });
  });
});

describe('readRunRecord', () => {
  it('reads every file of a run folder', async () => {
    const dir = await writeFakeRun(root, 'run-1', {
      config: { preset: 'dcgan-fashion', family: 'dcgan', training: { steps: 10 } },
      metrics: lossLines(10),
      monitor: [
        { step: 5, fid: 200 },
        { step: 10, fid: 150 },
      ],
      evaluation: { step: 10, imageMetrics: { fid: 150 } },
      evalFile: { preset: 'dcgan-fashion' },
      backend: { backend: 'wasm', threads: 2 },
      sampleSteps: [10, 5],
      final: true,
    });
    const run = await readRunRecord(dir);
    expect(run.dir).toBe(path.resolve(dir));
    expect(run.name).toBe('run-1');
    expect(run.config.preset).toBe('dcgan-fashion');
    expect(run.metrics?.rows).toHaveLength(10);
    expect(run.monitor?.keys).toEqual(['fid']);
    expect(run.evaluation).toEqual({ step: 10, imageMetrics: { fid: 150 } });
    expect(run.evalFile).toEqual({ preset: 'dcgan-fashion' });
    expect(run.backend).toEqual({ backend: 'wasm', threads: 2 });
    expect(run.samples.map((s) => s.step)).toEqual([5, 10]);
    expect(run.finalSample).toBe(path.join(dir, 'samples', 'final.png'));
    expect(run.stepsReached).toBe(10);
    expect(run.wallTimeMs).toBe(100);
    expect(run.warnings).toEqual([]);
  });

  it('needs only config.json', async () => {
    const dir = await writeFakeRun(root, 'bare', { config: { preset: 'x' } });
    const run = await readRunRecord(dir);
    expect(run.metrics).toBeUndefined();
    expect(run.monitor).toBeUndefined();
    expect(run.evaluation).toBeUndefined();
    expect(run.samples).toEqual([]);
    expect(run.finalSample).toBeUndefined();
    expect(run.stepsReached).toBeUndefined();
    expect(run.wallTimeMs).toBeUndefined();
  });

  it('adds up the sessions of a resumed run, where time_ms starts again from zero', async () => {
    const dir = await writeFakeRun(root, 'resumed', {
      config: {},
      metrics: [
        { step: 1, time_ms: 100, d_loss: 1 },
        { step: 2, time_ms: 200, d_loss: 1 },
        { step: 3, time_ms: 40, d_loss: 1 },
        { step: 4, time_ms: 90, d_loss: 1 },
      ],
    });
    expect((await readRunRecord(dir)).wallTimeMs).toBe(290);
  });

  it('skips an optional file that does not parse, with a warning', async () => {
    const dir = await writeFakeRun(root, 'broken', { config: {} });
    await fs.writeFile(path.join(dir, 'evaluation.json'), '{"step": 4');
    await fs.writeFile(path.join(dir, 'backend.json'), '[1]');
    const run = await readRunRecord(dir);
    expect(run.evaluation).toBeUndefined();
    expect(run.warnings).toHaveLength(2);
    expect(run.warnings[0]).toMatch(/^evaluation\.json: not valid JSON/);
    expect(run.warnings[1]).toBe('backend.json: not a JSON object; skipped');
  });

  it('fails naming the folder when it does not exist', async () => {
    const missing = path.join(root, 'no-such-run');
    const error = await readRunRecord(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GanError);
    expect((error as GanError).code).toBe('IO_ERROR');
    expect((error as GanError).message).toBe(`readRunRecord: run folder ${missing} does not exist`);
  });

  it('fails naming the folder when it has no config.json', async () => {
    const dir = await writeFakeRun(root, 'no-config', { metrics: lossLines(3) });
    await expect(readRunRecord(dir)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `readRunRecord: ${dir} is not a gankit run folder (it has no config.json)`,
    });
  });

  it('fails on a file instead of a folder and on a config that is not an object', async () => {
    const file = path.join(root, 'file.txt');
    await fs.writeFile(file, 'x');
    await expect(readRunRecord(file)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const dir = await writeFakeRun(root, 'array-config', { config: [1, 2] });
    await expect(readRunRecord(dir)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: `readRunRecord: ${path.join(dir, 'config.json')} must hold a JSON object, got an array`,
    });
    await fs.writeFile(path.join(dir, 'config.json'), '{"preset": ');
    await expect(readRunRecord(dir)).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});
