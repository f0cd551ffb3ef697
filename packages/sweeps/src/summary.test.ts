import { describe, expect, it } from 'vitest';
import { evaluationMetrics, type SweepJobResult } from './job.js';
import { formatMeanStd, formatTable, summarize } from './summary.js';

function result(slug: string, point: Record<string, number>, seed: number, metrics: Record<string, number>) {
  return {
    sweep: 's',
    id: `s:${slug}:s${seed}`,
    slug,
    point,
    seed,
    runDir: `/runs/s/${slug}-s${seed}`,
    step: 10,
    metrics,
    outcome: 'trained',
  } satisfies SweepJobResult;
}

describe('summarize', () => {
  it('gives the mean and the sample std over seeds per point (values worked by hand)', () => {
    const rows = summarize([
      result('lr=1', { lr: 1 }, 0, { fid: 1, hq: 0.5 }),
      result('lr=2', { lr: 2 }, 0, { fid: 10 }),
      result('lr=1', { lr: 1 }, 1, { fid: 2, hq: 0.25 }),
      result('lr=1', { lr: 1 }, 2, { fid: 3 }),
      result('lr=1', { lr: 1 }, 3, { fid: 4 }),
    ]);
    expect(rows.map((r) => r.slug)).toEqual(['lr=1', 'lr=2']);
    // 1..4: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, / (n - 1) = 5/3
    expect(rows[0]!.metrics.fid).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
    expect(rows[0]!.metrics.hq).toEqual({ mean: 0.375, std: Math.sqrt(0.03125), n: 2 });
    expect(rows[0]!).toMatchObject({ n: 4, seeds: [0, 1, 2, 3] });
    expect(rows[1]!.metrics).toEqual({ fid: { mean: 10, std: undefined, n: 1 } });
    expect(summarize([result('a', {}, 0, { fid: 1 })], ['hq'])[0]!.metrics).toEqual({});
  });

  it('leaves out interrupted runs', () => {
    const stopped = { ...result('a', {}, 1, {}), interruptedBy: 'SIGINT' };
    expect(summarize([result('a', {}, 0, { fid: 1 }), stopped])[0]!.n).toBe(1);
  });
});

describe('formatTable', () => {
  it('prints one column per axis, n, and mean ± std per metric', () => {
    const rows = summarize([
      result('a', { 'optimizer.learningRate': 0.0002 }, 0, { 'm.hq': 0.0148 + 0.0004 }),
      result('a', { 'optimizer.learningRate': 0.0002 }, 1, { 'm.hq': 0.0148 - 0.0004 }),
      result('b', { 'optimizer.learningRate': 0.002 }, 0, { 'm.hq': 12 }),
    ]);
    expect(formatTable(rows)).toBe(
      ['learningRate  n  m.hq', '0.0002        2  0.01480 ± 0.00057', '0.002         1  12'].join('\n'),
    );
    expect(formatTable(rows, { metrics: ['m.hq', 'fid'] }).split('\n')[2]).toBe(
      `0.002         1  12${' '.repeat(17)}-`,
    );
    expect(formatTable(summarize([result('base', {}, 0, { x: 1 })]))).toBe('point  n  x\nbase   1  1');
  });

  it('rounds the mean to the std’s second significant digit', () => {
    expect(formatMeanStd(12, 2.8284)).toBe('12.0 ± 2.8');
    expect(formatMeanStd(0.0144, 0.001131)).toBe('0.0144 ± 0.0011');
    expect(formatMeanStd(3, 0)).toBe('3 ± 0');
    expect(formatMeanStd(0.123456, undefined)).toBe('0.1235');
    expect(formatMeanStd(1234.4, 150)).toBe('1234 ± 150');
  });
});

describe('evaluationMetrics', () => {
  it('takes numeric fields by dot path, not lists or the step, plus the paths asked for', () => {
    const evaluation = {
      step: 500,
      modeCoverage: { modesCaptured: 7, modes: 8, perMode: [3, 0], note: 'x' },
      imageMetrics: { fid: 33.05, kid: { mean: 0.01, std: 0.002 } },
    };
    expect(evaluationMetrics(evaluation, ['modeCoverage.perMode.1', 'missing.path'])).toEqual({
      'modeCoverage.modesCaptured': 7,
      'modeCoverage.modes': 8,
      'imageMetrics.fid': 33.05,
      'imageMetrics.kid.mean': 0.01,
      'imageMetrics.kid.std': 0.002,
      'modeCoverage.perMode.1': 0,
    });
  });
});
