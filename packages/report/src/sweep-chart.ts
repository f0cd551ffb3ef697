import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { chartSvg } from './internal/chart.js';
import { esc, formatNumber, page, section, table } from './internal/html.js';
import { type ResolvedSweepChart, resolveSweepChart, sweepChartSpec } from './internal/sweep-spec.js';
import { writeTextAtomic } from './internal/write-atomic.js';

/**
 * One metric of one sweep point: its mean over the point's seeds, the sample standard deviation
 * and how many seeds gave it, and optionally each seed's value.
 * @category Sweeps
 */
export interface SweepChartMetric {
  mean: number;
  /** The sample standard deviation (n - 1); undefined for a single seed (no bar is drawn). */
  std?: number | undefined;
  /** How many seeds gave this metric. */
  n: number;
  /** Each seed's value; drawn as faint rings when given. */
  values?: readonly number[] | undefined;
}

/**
 * One point of a sweep (a setting of its axes) and its metrics over seeds.
 * @category Sweeps
 */
export interface SweepChartPoint {
  /** The point's name on the x axis and in the table, e.g. `learningRate=0.001`; unique in a chart. */
  label: string;
  /** Metric name (a dot path such as `imageMetrics.fid`) -> its numbers; metrics it lacks are absent. */
  metrics: Readonly<Record<string, SweepChartMetric>>;
}

/**
 * A summarized sweep, as the sweep charts take it: plain data, so any table of mean and std
 * over seeds can be drawn (`@gankit/sweeps`' `summarize` rows convert in a few lines).
 * @category Sweeps
 */
export interface SweepChartData {
  /** The sweep's name, for the default title. */
  name?: string | undefined;
  /** The points, in the order to draw them (the spec's order). */
  points: readonly SweepChartPoint[];
}

/**
 * Options of {@link sweepChartSvg}, {@link sweepChartHtml} and {@link writeSweepChart}.
 * @category Sweeps
 */
export interface SweepChartOptions {
  /** The chart's (and page's) title. Default `sweep <name>`, or `sweep` without a name. */
  title?: string;
  /** The metrics to draw, a panel each, in this order. Default: every metric of the points, in the order first met. */
  metrics?: readonly string[];
  /** The x axis title (what the points vary, e.g. `learningRate`). Default `point`. */
  xTitle?: string;
  /** Panels per row. Default 2 (1 for a single metric). */
  columns?: number;
  /** Each panel's plot width in pixels. Default 56 per point, at least 240. */
  width?: number;
  /** Each panel's plot height in pixels. Default 180. */
  height?: number;
}

function svgOf(r: ResolvedSweepChart): Promise<string> {
  return chartSvg(sweepChartSpec(r));
}

/** `mean ± std`, the std to two significant digits and the mean to the same decimal place. */
function meanStd(mean: number, std: number | undefined): string {
  if (std === undefined) return formatNumber(mean);
  const decimals = std > 0 && Number.isFinite(std) ? Math.max(0, 1 - Math.floor(Math.log10(std))) : -1;
  if (decimals < 0 || decimals > 8 || !Number.isFinite(mean) || Math.abs(mean) >= 1e6) {
    return `${formatNumber(mean)} ± ${formatNumber(std)}`;
  }
  return `${mean.toFixed(decimals)} ± ${std.toFixed(decimals)}`;
}

function tableOf(r: ResolvedSweepChart): string {
  const rows = r.points.map((p) => {
    const n = Math.max(0, ...r.metrics.map((m) => p.metrics[m]?.n ?? 0));
    return [
      esc(p.label),
      `<span class="num">${n}</span>`,
      ...r.metrics.map((name) => {
        const m = p.metrics[name];
        if (!m) return '<span class="muted">–</span>';
        const seeds = m.values?.length
          ? ` title="${esc(`seeds: ${m.values.map(formatNumber).join(', ')}`)}"`
          : '';
        const fewer = m.n < n ? ` <span class="muted">(n=${m.n})</span>` : '';
        return `<span class="num"${seeds}>${esc(meanStd(m.mean, m.std))}</span>${fewer}`;
      }),
    ];
  });
  return table([r.xTitle, 'n', ...r.metrics], rows, 'rows');
}

async function htmlOf(r: ResolvedSweepChart): Promise<string> {
  const svg = await svgOf(r);
  const count = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  const body = [
    `<header>\n<h1>${esc(r.title)}</h1>\n<p class="description">${count(r.points.length, 'point')}, ${count(r.metrics.length, 'metric')}: the mean over seeds ± one sample standard deviation.</p>\n</header>`,
    section('chart', 'Chart', `<div class="charts">\n${svg}\n</div>`),
    section('table', 'Table', tableOf(r)),
  ].join('\n');
  return page(`${r.title} · gankit sweep`, body);
}

/**
 * Draws a summarized sweep as SVG: a panel per metric, the points along x in their order, the
 * mean over seeds as a dot with a bar of ± one sample standard deviation (none for a single
 * seed), and each seed's value as a faint ring when the input has them. Rendered by Vega-Lite
 * in Node; the SVG references nothing outside itself.
 * @param summary - the points with their metrics' mean, std and n (and optionally seed values)
 * @param options - title, metrics and their order, x axis title, panels per row, panel size
 * @returns the SVG as text
 * @throws GanError `INVALID_ARGUMENT` when there are no points, a label is empty or repeated, no
 *   metric is left to draw, or a size is out of range; `UNKNOWN_NAME` when `options.metrics`
 *   names a metric no point has
 * @example
 * ```ts
 * import { sweepChartSvg } from '@gankit/report';
 * const svg = await sweepChartSvg({
 *   name: 'ring-lr',
 *   points: [
 *     { label: '0.0005', metrics: { fid: { mean: 12, std: 2.8, n: 2, values: [10, 14] } } },
 *     { label: '0.002', metrics: { fid: { mean: 9, std: 1.4, n: 2, values: [8, 10] } } },
 *   ],
 * }, { xTitle: 'learningRate' });
 * console.log(svg.startsWith('<svg')); // true
 * ```
 * @category Sweeps
 */
export async function sweepChartSvg(
  summary: SweepChartData,
  options: SweepChartOptions = {},
): Promise<string> {
  return svgOf(resolveSweepChart('sweepChartSvg', summary, options));
}

/**
 * A self-contained HTML page of a summarized sweep: its title, the chart of
 * {@link sweepChartSvg} inline and a table of `mean ± std` per point and metric (each seed's
 * value in a cell's tooltip). Like the run report, the page loads nothing from anywhere.
 * @param summary - the points with their metrics' mean, std and n (and optionally seed values)
 * @param options - as {@link sweepChartSvg}; the title is the page's too
 * @returns the page as text
 * @throws GanError as {@link sweepChartSvg}
 * @example
 * ```ts
 * import { sweepChartHtml } from '@gankit/report';
 * const html = await sweepChartHtml({
 *   points: [{ label: 'base', metrics: { fid: { mean: 77, std: 2.1, n: 3, values: [76.5, 75.1, 79.3] } } }],
 * }, { title: 'seed study' });
 * console.log(html.includes('<svg'), html.includes('77.0 ± 2.1')); // true true
 * ```
 * @category Sweeps
 */
export async function sweepChartHtml(
  summary: SweepChartData,
  options: SweepChartOptions = {},
): Promise<string> {
  return htmlOf(resolveSweepChart('sweepChartHtml', summary, options));
}

/**
 * Writes a sweep's chart to `file`: the SVG of {@link sweepChartSvg} for a `.svg` file, the page
 * of {@link sweepChartHtml} for a `.html` file. The extension is checked before anything is
 * drawn; the file is written through a temporary file and a rename, so no reader sees half of it.
 * @param summary - the points with their metrics' mean, std and n (and optionally seed values)
 * @param file - where to write, ending in `.svg` or `.html` (its folder is created if needed)
 * @param options - as {@link sweepChartSvg}
 * @returns the absolute path written
 * @throws GanError `INVALID_ARGUMENT` for another extension, as {@link sweepChartSvg} otherwise,
 *   and `IO_ERROR` when the file cannot be written
 * @example
 * ```ts
 * import { writeSweepChart } from '@gankit/report';
 * const file = await writeSweepChart(
 *   { name: 'ring-lr', points: [{ label: '0.001', metrics: { fid: { mean: 9, std: undefined, n: 1 } } }] },
 *   'plots/ring-lr.svg',
 * );
 * console.log(file.endsWith('ring-lr.svg')); // true
 * ```
 * @category Sweeps
 */
export async function writeSweepChart(
  summary: SweepChartData,
  file: string,
  options: SweepChartOptions = {},
): Promise<string> {
  const fn = 'writeSweepChart';
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.svg' && ext !== '.html') {
    throw new GanError('INVALID_ARGUMENT', `${fn}: file must end in .svg or .html, got '${file}'`);
  }
  const resolved = resolveSweepChart(fn, summary, options);
  const text = ext === '.svg' ? await svgOf(resolved) : await htmlOf(resolved);
  return writeTextAtomic(fn, file, text);
}
