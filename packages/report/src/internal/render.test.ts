import { describe, expect, it } from 'vitest';
import { parseStepLog, type RunRecord } from '../run-record.js';
import { chartSeries, endOfRunHtml, runLabels } from './render.js';

const log = parseStepLog(
  Array.from({ length: 15_000 }, (_, i) => JSON.stringify({ step: i + 1, d_loss: i % 7 })).join('\n'),
);

describe('chartSeries', () => {
  it('draws at most maxPoints points from the first step to the last, smoothed too', () => {
    const s = chartSeries(log, 'd_loss', 'd_loss', { maxPoints: 500, smoothing: undefined });
    for (const points of [s.points, s.smoothed!]) {
      expect(points.length).toBeLessThanOrEqual(500);
      expect(points[0]![0]).toBe(1);
      expect(points[points.length - 1]![0]).toBe(15_000);
    }
    expect(s.points[0]![1]).toBe(0);
    expect(s.points[s.points.length - 1]![1]).toBe(14_999 % 7);
  });

  it('draws no smoothed line with smoothing 0', () => {
    expect(chartSeries(log, 'd_loss', 'x', { maxPoints: 100, smoothing: 0 }).smoothed).toBeUndefined();
  });
});

const record = (over: Partial<RunRecord>): RunRecord => ({
  dir: '/runs/a',
  name: 'a',
  config: {},
  samples: [],
  warnings: [],
  ...over,
});

describe('endOfRunHtml', () => {
  it('does not repeat what eval.json shares with evaluation.json', () => {
    const rows = [{ image: 'a.png', model: { psnr: 28 } }];
    const html = endOfRunHtml(
      record({
        evaluation: { step: 10, eval: { preset: 'p', scale: 4, rows } },
        evalFile: { preset: 'p', scale: 4, rows },
      }),
    );
    expect(html).not.toContain('eval.json');
    const extra = endOfRunHtml(
      record({ evaluation: { step: 10 }, evalFile: { preset: 'p', scale: 4, rows } }),
    );
    expect(extra).toContain('<h3>eval.json</h3>');
    expect(extra).toContain('<code>scale</code>');
  });
});

describe('runLabels', () => {
  it('uses folder names, adding the parent where they clash', () => {
    const runs = ['/r/a/x', '/r/b/x', '/r/c/y', '/q/a/x'].map((dir) =>
      record({ dir, name: dir.split('/').pop()! }),
    );
    expect(runLabels(runs)).toEqual(['a/x #1', 'b/x', 'y', 'a/x #4']);
  });
});
