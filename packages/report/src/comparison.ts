import { GanError } from '@gankit/core';
import { lineChartSvg, seriesColor } from './internal/chart.js';
import { diffConfigs, numericLeaves } from './internal/flatten.js';
import { esc, formatDuration, formatValue, notes, page, section, table } from './internal/html.js';
import {
  type ChartSettings,
  chartSeries,
  chartSettings,
  configText,
  logNotes,
  runLabels,
} from './internal/render.js';
import { imgTag, readInlineImage } from './internal/samples.js';
import { writeTextAtomic } from './internal/write-atomic.js';
import { type RunRecord, readRun, type StepLog } from './run-record.js';

/**
 * Options of {@link buildComparisonHtml} and {@link writeComparison}.
 * @category Reports
 */
export interface ComparisonOptions {
  /** The page title. Default `Comparison of N runs`. */
  title?: string;
  /** One label per run for legends and columns. Default: the folder names (with their parent where two clash). */
  labels?: string[];
  /** The most points drawn per curve and run. Default 500. */
  maxPoints?: number;
  /** The weight of the moving average drawn over each loss curve, in [0, 1). Default: by run length. */
  smoothing?: number;
}

/** Charts of the keys of one log file, one chart per key with a line per run that logged it. */
async function overlaidCharts(
  runs: readonly RunRecord[],
  labels: readonly string[],
  logOf: (r: RunRecord) => StepLog | undefined,
  settings: ChartSettings,
  markers: boolean,
): Promise<string[]> {
  const keys: string[] = [];
  for (const r of runs) for (const k of logOf(r)?.keys ?? []) if (!keys.includes(k)) keys.push(k);
  return Promise.all(
    keys.map((key) => {
      const series = runs.flatMap((r, i) => {
        const log = logOf(r);
        return log?.keys.includes(key)
          ? [
              {
                ...chartSeries(log, key, labels[i]!, markers ? { ...settings, smoothing: 0 } : settings),
                color: seriesColor(i),
              },
            ]
          : [];
      });
      return lineChartSvg({
        title: key,
        series,
        legend: true,
        markers,
        ...(markers ? { width: 280, height: 160 } : { width: 360, height: 190 }),
      });
    }),
  );
}

/** The end-of-run numbers of a run by dot path: `evaluation.json`, then what `eval.json` adds. */
function endOfRunNumbers(run: RunRecord): Map<string, number> {
  const numbers = numericLeaves(run.evaluation ?? {});
  for (const [k, v] of numericLeaves(run.evalFile ?? {})) {
    if (!numbers.has(k) && numbers.get(`eval.${k}`) !== v) numbers.set(k, v);
  }
  return numbers;
}

function endOfRunTable(runs: readonly RunRecord[], labels: readonly string[]): string {
  const perRun = runs.map(endOfRunNumbers);
  const paths: string[] = [];
  for (const m of perRun) for (const p of m.keys()) if (!paths.includes(p)) paths.push(p);
  const num = (v: string) => `<span class="num">${esc(v)}</span>`;
  const rows: string[][] = [
    [
      '<code>steps reached</code>',
      ...runs.map((r) => (r.stepsReached === undefined ? '—' : num(String(r.stepsReached)))),
    ],
    [
      '<code>wall time</code>',
      ...runs.map((r) => (r.wallTimeMs === undefined ? '—' : num(formatDuration(r.wallTimeMs)))),
    ],
    ...paths.map((p) => [
      `<code>${esc(p)}</code>`,
      ...perRun.map((m) => {
        const v = m.get(p);
        return v === undefined ? '—' : num(formatValue(v));
      }),
    ]),
  ];
  return table(['', ...labels], rows, 'compare');
}

async function finalGrids(runs: readonly RunRecord[], labels: readonly string[]): Promise<string> {
  const figures = await Promise.all(
    runs.map(async (r, i) => {
      const last = r.samples[r.samples.length - 1];
      const file = r.finalSample ?? last?.path;
      const image = file ? await readInlineImage(file) : undefined;
      if (!image) return '';
      const which = r.finalSample ? 'final.png' : `step ${last!.step}`;
      return `<figure>${imgTag(image, `${labels[i]} samples`, '', 320)}<figcaption>${esc(labels[i])} · ${esc(which)}</figcaption></figure>`;
    }),
  );
  const shown = figures.filter(Boolean);
  return shown.length === 0 ? '' : `<div class="side-by-side">\n${shown.join('\n')}\n</div>`;
}

function configDiff(runs: readonly RunRecord[], labels: readonly string[]): string {
  const diffs = diffConfigs(runs.map((r) => r.config));
  if (diffs.length === 0) return '<p class="muted">The configs are identical.</p>';
  return table(
    ['path', ...labels],
    diffs.map((d) => [
      `<code>${esc(d.path)}</code>`,
      ...d.values.map((v) => (v === undefined ? '<span class="muted">—</span>' : esc(formatValue(v)))),
    ]),
    'diff',
  );
}

async function buildComparison(
  fn: string,
  runDirs: readonly string[],
  options: ComparisonOptions,
): Promise<string> {
  if (!Array.isArray(runDirs) || runDirs.length < 2) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: runDirs must list at least 2 run folders, got ${Array.isArray(runDirs) ? runDirs.length : typeof runDirs}`,
    );
  }
  if (options.labels !== undefined && options.labels.length !== runDirs.length) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `${fn}: options.labels must have one label per run (${runDirs.length}), got ${options.labels.length}`,
    );
  }
  const settings = chartSettings(fn, options);
  const runs = await Promise.all(runDirs.map((d) => readRun(fn, d)));
  const labels = options.labels ?? runLabels(runs);
  const title = options.title ?? `Comparison of ${runs.length} runs`;

  const [losses, monitor, grids] = await Promise.all([
    overlaidCharts(runs, labels, (r) => r.metrics, settings, false),
    overlaidCharts(runs, labels, (r) => r.monitor, settings, true),
    finalGrids(runs, labels),
  ]);
  const runNotes = runs.flatMap((r, i) => [
    ...r.warnings.map((w) => `${labels[i]}: ${w}`),
    ...logNotes('metrics.jsonl', r.metrics, labels[i]),
    ...logNotes('monitor.jsonl', r.monitor, labels[i]),
  ]);
  const overview = table(
    ['run', 'preset', 'family', 'steps', 'wall time', 'description'],
    runs.map((r, i) => [
      `<strong>${esc(labels[i])}</strong>`,
      esc(configText(r.config, 'preset') ?? ''),
      esc(configText(r.config, 'family') ?? ''),
      r.stepsReached === undefined ? '' : esc(r.stepsReached),
      r.wallTimeMs === undefined ? '' : esc(formatDuration(r.wallTimeMs)),
      esc(configText(r.config, 'description') ?? ''),
    ]),
  );
  const hasEnd = runs.some((r) => r.evaluation || r.evalFile || r.stepsReached !== undefined);
  const sections: [string, string, string][] = [
    [
      'losses',
      'Loss curves',
      losses.length > 0
        ? `<div class="charts">\n${losses.join('\n')}\n</div>`
        : '<p class="muted">No loss values.</p>',
    ],
    [
      'monitor',
      'Evaluation during training',
      monitor.length > 0 ? `<div class="charts">\n${monitor.join('\n')}\n</div>` : '',
    ],
    ['evaluation', 'End of run', hasEnd ? endOfRunTable(runs, labels) : ''],
    ['samples', 'Final samples', grids],
    ['config', 'Config differences', configDiff(runs, labels)],
  ];
  const present = sections.filter(([, , html]) => html !== '');
  const body = [
    `<header>\n<h1>${esc(title)}</h1>\n${overview}\n<nav>${present
      .map(([id, label]) => `<a href="#${id}">${esc(label)}</a>`)
      .join('')}</nav>\n</header>`,
    notes(runNotes),
    ...present.map(([id, heading, html]) => section(id, heading, html)),
  ].join('\n');
  return page(`${title} · gankit`, body);
}

/**
 * Builds an HTML page that puts two or more runs side by side: each loss term with a line per
 * run, the `monitor.jsonl` metrics overlaid, a table of end-of-run numbers with a column per
 * run, the final sample grids next to each other, and the config paths whose values differ.
 * Self-contained like {@link buildRunReportHtml}.
 * @param runDirs - the run folders (at least two)
 * @param options - title, labels, points per curve, smoothing
 * @returns the page as text
 * @throws GanError `INVALID_ARGUMENT` for fewer than two folders, a folder without
 *   `config.json` or labels that do not match; `IO_ERROR` for a folder that does not exist
 * @example
 * ```ts
 * import { promises as fs } from 'node:fs';
 * import { buildComparisonHtml } from '@gankit/report';
 * for (const [name, lr] of [['lr-a', 0.0002], ['lr-b', 0.0007]] as const) {
 *   await fs.mkdir(name, { recursive: true });
 *   await fs.writeFile(`${name}/config.json`, JSON.stringify({ preset: 'dcgan-fashion', optimizer: { learningRate: lr } }));
 *   await fs.writeFile(`${name}/metrics.jsonl`, '{"step":1,"d_loss":1.4}\n{"step":2,"d_loss":1.2}\n');
 * }
 * const html = await buildComparisonHtml(['lr-a', 'lr-b']);
 * console.log(html.includes('optimizer.learningRate')); // true
 * ```
 * @category Reports
 */
export function buildComparisonHtml(
  runDirs: readonly string[],
  options: ComparisonOptions = {},
): Promise<string> {
  return buildComparison('buildComparisonHtml', runDirs, options);
}

/**
 * Writes the comparison of {@link buildComparisonHtml} to `out`, through a temporary file and a rename.
 * @param runDirs - the run folders (at least two)
 * @param out - the HTML file to write (its folder is created if needed)
 * @param options - as {@link buildComparisonHtml}
 * @returns the absolute path written
 * @throws GanError as {@link buildComparisonHtml}, and `IO_ERROR` when the file cannot be written
 * @example
 * ```ts
 * import { promises as fs } from 'node:fs';
 * import { writeComparison } from '@gankit/report';
 * for (const name of ['seed-0', 'seed-1']) {
 *   await fs.mkdir(name, { recursive: true });
 *   await fs.writeFile(`${name}/config.json`, JSON.stringify({ training: { seed: Number(name.slice(-1)) } }));
 * }
 * const file = await writeComparison(['seed-0', 'seed-1'], 'compare/seeds.html');
 * console.log(file.endsWith('seeds.html')); // true
 * ```
 * @category Reports
 */
export async function writeComparison(
  runDirs: readonly string[],
  out: string,
  options: ComparisonOptions = {},
): Promise<string> {
  const html = await buildComparison('writeComparison', runDirs, options);
  return writeTextAtomic('writeComparison', out, html);
}
