// A sweep's chart: its input checked and resolved, and its Vega-Lite spec (a panel per metric,
// the points along x in their order, the mean over seeds as a dot with a bar of ± one sample
// standard deviation, and each seed's value as a faint ring behind it).

import { checkInteger, GanError } from '@gankit/core';
import type { TopLevelSpec } from 'vega-lite';
import type { SweepChartData, SweepChartOptions, SweepChartPoint } from '../sweep-chart.js';
import { CHART_CONFIG, seriesColor } from './chart.js';

/** What the chart and the table are drawn from, checked, defaults filled in. */
export interface ResolvedSweepChart {
  readonly title: string;
  readonly metrics: readonly string[];
  readonly points: readonly SweepChartPoint[];
  readonly xTitle: string;
  readonly columns: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Checks a sweep chart's input and fills in the options' defaults.
 * @throws GanError `INVALID_ARGUMENT` (no points, an empty or repeated label, no metric, a size
 *   out of range) or `UNKNOWN_NAME` (`options.metrics` names a metric no point has), naming `fn`
 */
export function resolveSweepChart(
  fn: string,
  summary: SweepChartData,
  options: SweepChartOptions,
): ResolvedSweepChart {
  const points = summary.points;
  if (!Array.isArray(points) || points.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: summary.points must hold at least one point, got none`);
  }
  const seen = new Map<string, number>();
  points.forEach((p, i) => {
    if (typeof p.label !== 'string' || p.label === '') {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: summary.points[${i}].label must be a non-empty string, got ${JSON.stringify(p.label)}`,
      );
    }
    const first = seen.get(p.label);
    if (first !== undefined) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${fn}: summary.points[${i}].label '${p.label}' repeats summary.points[${first}].label; labels must be unique`,
      );
    }
    seen.set(p.label, i);
  });
  const known = [...new Set(points.flatMap((p) => Object.keys(p.metrics)))];
  const metrics = options.metrics ?? known;
  const unknown = metrics.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new GanError(
      'UNKNOWN_NAME',
      `${fn}: options.metrics names ${unknown.map((m) => `'${m}'`).join(', ')}, which no point has; the points have: ${known.join(', ') || 'no metrics'}`,
    );
  }
  if (metrics.length === 0) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: the points have no metrics to draw`);
  }
  return {
    title: options.title ?? (summary.name ? `sweep ${summary.name}` : 'sweep'),
    metrics,
    points,
    xTitle: options.xTitle ?? 'point',
    columns: checkInteger(fn, 'options.columns', options.columns ?? Math.min(2, metrics.length), 1),
    width: checkInteger(fn, 'options.width', options.width ?? Math.max(240, 56 * points.length), 20),
    height: checkInteger(fn, 'options.height', options.height ?? 180, 20),
  };
}

const SEED_COLOR = '#6b7780';

type Panel = Extract<TopLevelSpec, { concat: unknown }>['concat'][number];

/** Panel `i`'s marks are named `p<i>_seeds`, `p<i>_bars` and `p<i>_means` (the SVG's mark groups carry `<name>_marks`). */
function panelSpec(chart: ResolvedSweepChart, metric: string, i: number): Panel {
  const labels = chart.points.map((p) => p.label);
  const cells = chart.points.flatMap((p) => {
    const m = p.metrics[metric];
    return m ? [{ point: p.label, ...m }] : [];
  });
  const x = {
    field: 'point',
    type: 'ordinal',
    scale: { domain: labels },
    sort: null,
    title: chart.xTitle,
    axis: { labelAngle: labels.some((l) => l.length > 8) ? -30 : 0, labelLimit: 180 },
  } as const;
  const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
  const seeds = cells.flatMap((c) =>
    (c.values ?? []).filter((v) => finite(v)).map((value) => ({ point: c.point, value })),
  );
  const bars = cells
    .filter((c) => finite(c.mean) && finite(c.std))
    .map((c) => ({ point: c.point, lo: c.mean - c.std!, hi: c.mean + c.std! }));
  const means = cells
    .filter((c) => finite(c.mean))
    .map((c) => ({ point: c.point, mean: c.mean, std: c.std ?? null, n: c.n }));
  // a metric with one value everywhere (0 modes captured by every run) gets a range around it,
  // not a scale of zero height
  const all = [
    ...means.map((m) => m.mean),
    ...bars.flatMap((b) => [b.lo, b.hi]),
    ...seeds.map((s) => s.value),
  ];
  const flat = all.length > 0 && all.every((v) => v === all[0]);
  const pad = flat ? Math.abs(all[0]!) / 2 || 1 : 0;
  const scale = flat ? { domain: [all[0]! - pad, all[0]! + pad] } : { zero: false };
  // labels flush with the plot's ends: a top label never lifts one panel's title above its neighbour's
  const y = { type: 'quantitative', title: null, scale, axis: { tickCount: 5, labelFlush: true } } as const;
  return {
    name: `p${i}`,
    title: metric,
    width: chart.width,
    height: chart.height,
    layer: [
      {
        name: `p${i}_seeds`,
        data: { values: seeds },
        mark: { type: 'point', filled: false, size: 26, strokeWidth: 1, opacity: 0.5, color: SEED_COLOR },
        encoding: { x, y: { ...y, field: 'value' } },
      },
      {
        name: `p${i}_bars`,
        data: { values: bars },
        mark: { type: 'rule', strokeWidth: 1.75, color: seriesColor(0) },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' } },
      },
      {
        name: `p${i}_means`,
        data: { values: means },
        mark: { type: 'point', filled: true, size: 60, opacity: 1, color: seriesColor(0) },
        encoding: { x, y: { ...y, field: 'mean' } },
      },
    ],
  };
}

/** The Vega-Lite spec of a sweep chart (data inline): panel `i` is metric `i`, its scales `p<i>_x`, `p<i>_y`. */
export function sweepChartSpec(chart: ResolvedSweepChart): TopLevelSpec {
  const hasSeeds = chart.points.some((p) =>
    chart.metrics.some((m) => (p.metrics[m]?.values?.length ?? 0) > 0),
  );
  return {
    title: {
      text: chart.title,
      fontSize: 15,
      offset: 12,
      subtitle: `mean over seeds ± one sample standard deviation${hasSeeds ? '; rings: each seed' : ''}`,
    },
    columns: chart.columns,
    concat: chart.metrics.map((metric, i) => panelSpec(chart, metric, i)),
    spacing: 28,
    config: { ...CHART_CONFIG, title: { ...CHART_CONFIG.title, subtitleColor: '#5f6b76', frame: 'group' } },
  };
}
