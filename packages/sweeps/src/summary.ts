import type { SweepJobResult } from './job.js';
import type { JsonValue, SweepPoint } from './spec.js';

/** A metric over a point's seeds. @category Results */
export interface MetricSummary {
  mean: number;
  /** The sample standard deviation (n - 1); undefined for a single value. */
  std: number | undefined;
  /** How many seeds had this metric. */
  n: number;
}

/** One row of a sweep's table: a point and its metrics over seeds. @category Results */
export interface SweepRow {
  slug: string;
  point: SweepPoint;
  /** The seeds with a result, in the order they came. */
  seeds: number[];
  /** Results of this point (one per seed). */
  n: number;
  /** Metric dot path -> its summary; metrics no result of the point has are absent. */
  metrics: Record<string, MetricSummary>;
}

/**
 * The metrics a table shows by default: every metric of the results, in the order first met.
 * @param results - job results
 * @returns metric dot paths
 * @category Results
 */
export function resultMetrics(results: readonly SweepJobResult[]): string[] {
  return [...new Set(results.flatMap((r) => Object.keys(r.metrics)))];
}

/**
 * One row per point: the mean and the sample standard deviation over its seeds of each
 * metric, and n. Points keep the order of their first result; interrupted results are left out.
 * @param results - job results (from a local sweep, or `sweepResults`)
 * @param metrics - dot paths to summarize (default: every metric the results have)
 * @returns the rows
 * @example
 * ```ts
 * import { summarize } from '@gankit/sweeps';
 * const result = (seed: number, value: number) => ({
 *   sweep: 'demo', id: `demo:base:s${seed}`, slug: 'base', point: {}, seed, runDir: '', step: 10,
 *   metrics: { fid: value }, outcome: 'trained' as const,
 * });
 * const [row] = summarize([result(0, 10), result(1, 14)]);
 * console.log(row!.metrics.fid); // { mean: 12, std: 2.8284271247461903, n: 2 }
 * ```
 * @category Results
 */
export function summarize(results: readonly SweepJobResult[], metrics?: readonly string[]): SweepRow[] {
  const done = results.filter((r) => r.interruptedBy === undefined);
  const names = metrics ?? resultMetrics(done);
  const groups = new Map<string, SweepJobResult[]>();
  for (const r of done) groups.set(r.slug, [...(groups.get(r.slug) ?? []), r]);
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const summaries: Record<string, MetricSummary> = {};
    for (const name of names) {
      const values = group.flatMap((r) => (r.metrics[name] === undefined ? [] : [r.metrics[name]]));
      if (values.length === 0) continue;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std =
        values.length > 1
          ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1))
          : undefined;
      summaries[name] = { mean, std, n: values.length };
    }
    return {
      slug: first.slug,
      point: first.point,
      seeds: group.map((r) => r.seed),
      n: group.length,
      metrics: summaries,
    };
  });
}

/** A number in at most 4 significant digits: `0.0228`, `12.35`, `3`, `1.2e-5`. @category Results */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

/**
 * `mean ± std` with the std to two significant digits and the mean to the same decimal place:
 * `0.01480 ± 0.00057`, `12.0 ± 2.8`; just the mean when there is no std.
 * @category Results
 */
export function formatMeanStd(mean: number, std: number | undefined): string {
  if (std === undefined) return formatNumber(mean);
  if (std === 0 || !Number.isFinite(std)) return `${formatNumber(mean)} ± ${std}`;
  const decimals = Math.max(0, 1 - Math.floor(Math.log10(std)));
  if (decimals > 8 || Math.abs(mean) >= 1e6 || std >= 1e6) {
    return `${mean.toExponential(2)} ± ${std.toExponential(1)}`;
  }
  return `${mean.toFixed(decimals)} ± ${std.toFixed(decimals)}`;
}

function pointText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Options of {@link formatTable}. @category Results */
export interface FormatTableOptions {
  /** Metric columns, in order (default: every metric of the rows, in the order first met). */
  metrics?: readonly string[];
}

/**
 * A sweep's rows as a plain text table: one column per axis, `n`, and `mean ± std` per metric
 * (what `gankit sweep` prints).
 * @param rows - from {@link summarize}
 * @param options - which metrics
 * @returns the table, lines joined with `\n`
 * @example
 * ```ts
 * import { formatTable } from '@gankit/sweeps';
 * console.log(
 *   formatTable([
 *     { slug: 'lr=0.001', point: { 'optimizer.learningRate': 0.001 }, seeds: [0, 1], n: 2,
 *       metrics: { fid: { mean: 12, std: 2.83, n: 2 } } },
 *   ]),
 * );
 * // learningRate  n  fid
 * // 0.001         2  12.0 ± 2.8
 * ```
 * @category Results
 */
export function formatTable(rows: readonly SweepRow[], options: FormatTableOptions = {}): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.point)))];
  const short = (k: string) => k.split('.').at(-1)!;
  const label = (k: string) => (keys.filter((o) => short(o) === short(k)).length > 1 ? k : short(k));
  const metrics = options.metrics ?? [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const header = [...(keys.length ? keys.map(label) : ['point']), 'n', ...metrics];
  const body = rows.map((r) => [
    ...(keys.length ? keys.map((k) => (k in r.point ? pointText(r.point[k]!) : '')) : [r.slug]),
    String(r.n),
    ...metrics.map((m) => {
      const s = r.metrics[m];
      return s ? formatMeanStd(s.mean, s.std) : '-';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [header, ...body]
    .map((cells) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
