// Pieces shared by the run report and the comparison: options, chart series, end-of-run tables.

import { checkInteger, checkNumber } from '@gankit/core';
import type { RunRecord, StepLog } from '../run-record.js';
import type { ChartSeries } from './chart.js';
import { flatten, isRowArray } from './flatten.js';
import { esc, formatValue, keyValueTable, table } from './html.js';
import { defaultSmoothing, downsample, seriesOf, smooth } from './series.js';

/** The chart options both reports take, resolved. */
export interface ChartSettings {
  readonly maxPoints: number;
  /** The EMA weight; undefined picks one per series from its length. */
  readonly smoothing: number | undefined;
}

/** Validates and fills in the chart options. */
export function chartSettings(
  fn: string,
  options: { maxPoints?: number; smoothing?: number },
): ChartSettings {
  const maxPoints = checkInteger(fn, 'options.maxPoints', options.maxPoints ?? 500, 3);
  const smoothing =
    options.smoothing === undefined
      ? undefined
      : checkNumber(fn, 'options.smoothing', options.smoothing, { min: 0, max: 0.999 });
  return { maxPoints, smoothing };
}

/** One key of a log as a chart series: downsampled raw points and, for long logs, a smoothed line. */
export function chartSeries(log: StepLog, key: string, label: string, settings: ChartSettings): ChartSeries {
  const raw = seriesOf(log, key);
  const weight = settings.smoothing ?? defaultSmoothing(raw.length);
  return {
    label,
    points: downsample(raw, settings.maxPoints),
    smoothed: weight > 0 ? downsample(smooth(raw, weight), settings.maxPoints) : undefined,
  };
}

/** The notes a log deserves: skipped and repeated lines. */
export function logNotes(file: string, log: StepLog | undefined, run?: string): string[] {
  if (!log) return [];
  const who = run ? `${run}: ` : '';
  const out: string[] = [];
  if (log.malformedLines > 0) {
    out.push(
      `${who}${file}: ${log.malformedLines} malformed line${log.malformedLines === 1 ? '' : 's'} skipped`,
    );
  }
  if (log.repeatedSteps > 0) {
    out.push(
      `${who}${file}: ${log.repeatedSteps} repeated step${log.repeatedSteps === 1 ? '' : 's'} (resumed or rolled back); the last line for each step is shown`,
    );
  }
  return out;
}

/** A column title from a dot path: `bicubic.psnr` -> `bicubic PSNR`. */
function columnTitle(path: string): string {
  return path
    .split('.')
    .join(' ')
    .replace(/\b(psnr|ssim|fid|kid|lpips)\b/gi, (m) => m.toUpperCase());
}

/**
 * A table of rows (`eval.rows` of a super-resolution benchmark): a column per leaf path, a
 * gain column for every `model.x` that has a `bicubic.x`, and a mean row.
 */
export function rowsTable(rows: readonly Record<string, unknown>[]): string {
  const flats = rows.map((r) => flatten(r));
  const columns: string[] = [];
  for (const f of flats) for (const k of f.keys()) if (!columns.includes(k)) columns.push(k);
  const gains = columns
    .filter((c) => c.startsWith('model.') && columns.includes(`bicubic.${c.slice(6)}`))
    .map((c) => c.slice(6));
  const cell = (v: unknown, key: string) => {
    if (typeof v === 'number') return `<span class="num">${esc(formatValue(v))}</span>`;
    if (Array.isArray(v) && /(^|\.)(size|shape)$/.test(key) && v.every((x) => typeof x === 'number')) {
      return esc(v.join('×'));
    }
    return esc(formatValue(v));
  };
  const gainOf = (f: Map<string, unknown>, metric: string) => {
    const m = f.get(`model.${metric}`);
    const b = f.get(`bicubic.${metric}`);
    return typeof m === 'number' && typeof b === 'number' ? m - b : undefined;
  };
  const signed = (v: number | undefined) =>
    v === undefined ? '' : `<span class="num">${v >= 0 ? '+' : ''}${esc(formatValue(v))}</span>`;
  const body = flats.map((f) => [
    ...columns.map((c) => cell(f.get(c), c)),
    ...gains.map((g) => signed(gainOf(f, g))),
  ]);
  if (rows.length > 1) {
    const mean = (values: unknown[]) => {
      const nums = values.filter((v): v is number => typeof v === 'number');
      return nums.length === values.length ? nums.reduce((a, b) => a + b, 0) / nums.length : undefined;
    };
    body.push([
      ...columns.map((c, i) => {
        const m = mean(flats.map((f) => f.get(c)));
        if (i === 0 && m === undefined) return '<strong>mean</strong>';
        return m === undefined ? '' : `<strong>${cell(m, c)}</strong>`;
      }),
      ...gains.map((g) => {
        const m = mean(flats.map((f) => gainOf(f, g)));
        return `<strong>${signed(m)}</strong>`;
      }),
    ]);
  }
  const header = [
    ...columns.map(columnTitle),
    ...gains.map((g) => `gain ${columnTitle(g)}${g === 'psnr' ? ' (dB)' : ''}`),
  ];
  return table(header, body, 'rows');
}

/** A flattened JSON record as a key/value table of its leaves, with each table of rows drawn as a table. */
export function recordHtml(leaves: Map<string, unknown>): string {
  const plain: [string, unknown][] = [];
  const tables: string[] = [];
  for (const [k, v] of leaves) {
    if (isRowArray(v)) tables.push(`<h3><code>${esc(k)}</code></h3>\n${rowsTable(v)}`);
    else plain.push([k, v]);
  }
  return [plain.length > 0 ? keyValueTable(plain) : '', ...tables].filter(Boolean).join('\n');
}

/**
 * The end-of-run numbers of a run: `evaluation.json`, then whatever `eval.json` adds to it
 * (it often repeats `evaluation.json` or its `eval` field, which is then not shown twice).
 */
export function endOfRunHtml(run: RunRecord): string {
  const parts: string[] = [];
  const known = new Set<string>();
  if (run.evaluation) {
    const leaves = flatten(run.evaluation);
    for (const [k, v] of leaves) {
      known.add(`${k}=${JSON.stringify(v)}`);
      if (k.startsWith('eval.')) known.add(`${k.slice(5)}=${JSON.stringify(v)}`);
    }
    parts.push(`<h3>evaluation.json</h3>\n${recordHtml(leaves)}`);
  }
  if (run.evalFile) {
    const extra = new Map(
      [...flatten(run.evalFile)].filter(([k, v]) => !known.has(`${k}=${JSON.stringify(v)}`)),
    );
    if (extra.size > 0) parts.push(`<h3>eval.json</h3>\n${recordHtml(extra)}`);
  }
  return parts.join('\n');
}

/** The label of each run: its folder name, with the parent folder added where names clash. */
export function runLabels(runs: readonly RunRecord[]): string[] {
  const base = runs.map((r) => r.name);
  const withParent = runs.map((r) => {
    const parts = r.dir.split(/[\\/]/).filter(Boolean);
    return parts.slice(-2).join('/');
  });
  const labels = base.map((b, i) => (base.filter((x) => x === b).length > 1 ? withParent[i]! : b));
  return labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l} #${i + 1}` : l));
}

/** A config field by dot path, as text (empty when absent). */
export function configText(config: Readonly<Record<string, unknown>>, dotPath: string): string | undefined {
  let value: unknown = config;
  for (const part of dotPath.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value === undefined || value === null ? undefined : formatValue(value);
}
