import * as path from 'node:path';
import { checkInteger } from '@gankit/core';
import { lineChartSvg } from './internal/chart.js';
import { flatten } from './internal/flatten.js';
import { esc, formatDuration, keyValueTable, notes, page, section } from './internal/html.js';
import { chartSeries, chartSettings, configText, endOfRunHtml, logNotes } from './internal/render.js';
import { evenlySpaced, type InlineImage, imgTag, readInlineImage } from './internal/samples.js';
import { writeTextAtomic } from './internal/write-atomic.js';
import { type RunRecord, readRun } from './run-record.js';

/**
 * Options of {@link buildRunReportHtml} and {@link writeRunReport}.
 * @category Reports
 */
export interface RunReportOptions {
  /** The page title. Default: the config's `preset`, else the folder name. */
  title?: string;
  /** The most points drawn per curve; longer logs are averaged in buckets. Default 500. */
  maxPoints?: number;
  /**
   * The weight of the exponential moving average drawn over each loss curve, in [0, 1)
   * (0: no smoothed line). Default: a span of about 1% of the run, none under 300 steps.
   */
  smoothing?: number;
  /** The most step grids in the sample slider (evenly spaced, plus the last). Default 24. */
  maxSampleGrids?: number;
}

async function lossSection(run: RunRecord, settings: ReturnType<typeof chartSettings>): Promise<string> {
  const log = run.metrics;
  const extra = logNotes('metrics.jsonl', log);
  if (!log || log.keys.length === 0) {
    return section(
      'losses',
      'Loss curves',
      notes([...extra, log ? 'metrics.jsonl has no loss values.' : 'No metrics.jsonl in this run.']),
    );
  }
  const charts = await Promise.all(
    log.keys.map((key) =>
      lineChartSvg({ title: key, series: [chartSeries(log, key, key, settings)], legend: false }),
    ),
  );
  const drawn = log.rows.length > settings.maxPoints ? `, averaged into ${settings.maxPoints} points` : '';
  const caption = `<p class="muted">${log.rows.length} logged steps${drawn}; the dark line is a moving average where the run is long enough.</p>`;
  return section(
    'losses',
    'Loss curves',
    `${notes(extra)}${caption}\n<div class="charts">\n${charts.join('\n')}\n</div>`,
  );
}

async function monitorSection(run: RunRecord, settings: ReturnType<typeof chartSettings>): Promise<string> {
  const log = run.monitor;
  if (!log || log.keys.length === 0) return '';
  const charts = await Promise.all(
    log.keys.map((key) =>
      lineChartSvg({
        title: key,
        series: [chartSeries(log, key, key, { ...settings, smoothing: 0 })],
        legend: false,
        markers: true,
        width: 260,
        height: 150,
      }),
    ),
  );
  return section(
    'monitor',
    'Evaluation during training',
    `${notes(logNotes('monitor.jsonl', log))}<div class="charts">\n${charts.join('\n')}\n</div>`,
  );
}

async function samplesSection(run: RunRecord, maxGrids: number): Promise<string> {
  const chosen = evenlySpaced(run.samples, maxGrids);
  const frames = (
    await Promise.all(chosen.map(async (s) => ({ step: s.step, image: await readInlineImage(s.path) })))
  ).filter((f): f is { step: number; image: InlineImage } => f.image !== undefined);
  const final = run.finalSample ? await readInlineImage(run.finalSample) : undefined;
  if (frames.length === 0 && !final) return '';
  const parts: string[] = [];
  if (frames.length > 0) {
    const last = frames.length - 1;
    const imgs = frames.map((f, i) =>
      imgTag(f.image, `samples at step ${f.step}`, ` data-step="${f.step}"${i === last ? '' : ' hidden'}`),
    );
    const skipped =
      run.samples.length > frames.length ? ` (${frames.length} of ${run.samples.length}, evenly spaced)` : '';
    parts.push(`<figure class="slider" data-slider>
<label>${frames.length} grids${esc(skipped)} <input type="range" min="0" max="${last}" value="${last}" step="1" aria-label="training step"><output>step ${frames[last]!.step}</output></label>
${imgs.join('\n')}
</figure>`);
  }
  if (final) {
    parts.push(`<figure>${imgTag(final, 'final samples')}<figcaption>final.png</figcaption></figure>`);
  }
  return section('samples', 'Samples', `<div class="samples">\n${parts.join('\n')}\n</div>`);
}

function headerHtml(run: RunRecord, title: string, nav: [string, string][]): string {
  const planned = run.config.training;
  const plannedSteps =
    typeof planned === 'object' && planned !== null ? (planned as Record<string, unknown>).steps : undefined;
  const facts: [string, string | undefined][] = [
    ['run folder', run.name],
    ['preset', configText(run.config, 'preset')],
    ['family', configText(run.config, 'family')],
    [
      'steps',
      run.stepsReached === undefined
        ? undefined
        : `${run.stepsReached}${typeof plannedSteps === 'number' ? ` of ${plannedSteps}` : ''}`,
    ],
    ['wall time', run.wallTimeMs === undefined ? undefined : formatDuration(run.wallTimeMs)],
  ];
  const description = configText(run.config, 'description');
  return `<header>
<h1>${esc(title)}</h1>
${description ? `<p class="description">${esc(description)}</p>` : ''}
<dl>${facts
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join('')}</dl>
<nav>${nav.map(([id, label]) => `<a href="#${id}">${esc(label)}</a>`).join('')}</nav>
</header>`;
}

/**
 * Builds the HTML report of one run folder: a header (preset, family, description, steps
 * reached, wall time), a chart per loss term, the periodic evaluations of `monitor.jsonl`, the
 * end-of-run numbers, the sample grids with a step slider, the config and the backend report.
 * The page is self-contained: charts are inline SVG, images data: URIs, and it loads nothing.
 * @param runDir - the run folder (must hold `config.json`)
 * @param options - title, points per curve, smoothing, number of sample grids
 * @returns the page as text
 * @throws GanError `IO_ERROR` when the folder does not exist, `INVALID_ARGUMENT` when it has no
 *   `config.json` or an option is out of range, `INVALID_CONFIG` when `config.json` is not an object
 * @example
 * ```ts
 * import { promises as fs } from 'node:fs';
 * import { buildRunReportHtml } from '@gankit/report';
 * await fs.mkdir('run-b', { recursive: true });
 * await fs.writeFile('run-b/config.json', JSON.stringify({ preset: 'dcgan-fashion', family: 'dcgan' }));
 * await fs.writeFile('run-b/metrics.jsonl', '{"step":1,"d_loss":1.4}\n{"step":2,"d_loss":1.1}\n');
 * const html = await buildRunReportHtml('run-b', { title: 'My run' });
 * console.log(html.includes('<svg')); // true
 * ```
 * @category Reports
 */
export function buildRunReportHtml(runDir: string, options: RunReportOptions = {}): Promise<string> {
  return buildReport('buildRunReportHtml', runDir, options);
}

async function buildReport(fn: string, runDir: string, options: RunReportOptions): Promise<string> {
  const settings = chartSettings(fn, options);
  const maxGrids = checkInteger(fn, 'options.maxSampleGrids', options.maxSampleGrids ?? 24, 1);
  const run = await readRun(fn, runDir);
  const title = options.title ?? configText(run.config, 'preset') ?? run.name;
  const [losses, monitor, samples] = await Promise.all([
    lossSection(run, settings),
    monitorSection(run, settings),
    samplesSection(run, maxGrids),
  ]);
  const endOfRun = endOfRunHtml(run);
  const sections: [string, string, string][] = [
    ['losses', 'Losses', losses],
    ['monitor', 'Evaluation during training', monitor],
    ['evaluation', 'End of run', endOfRun ? section('evaluation', 'End of run', endOfRun) : ''],
    ['samples', 'Samples', samples],
    [
      'config',
      'Config',
      section('config', 'Config', `<pre>${esc(JSON.stringify(run.config, null, 2))}</pre>`),
    ],
    [
      'backend',
      'Backend',
      run.backend ? section('backend', 'Backend', keyValueTable([...flatten(run.backend)])) : '',
    ],
  ];
  const present = sections.filter(([, , html]) => html !== '');
  const body = [
    headerHtml(
      run,
      title,
      present.map(([id, label]) => [id, label]),
    ),
    notes(run.warnings),
    ...present.map(([, , html]) => html),
  ].join('\n');
  return page(`${title} · gankit run report`, body);
}

/**
 * Writes the report of a run folder to `runDir/report.html` (or `options.out`), through a
 * temporary file and a rename so that no reader sees half a page.
 * @param runDir - the run folder
 * @param options - the report options, and `out`: where to write instead of `runDir/report.html`
 * @returns the absolute path written
 * @throws GanError as {@link buildRunReportHtml}, and `IO_ERROR` when the file cannot be written
 * @example
 * ```ts
 * import { promises as fs } from 'node:fs';
 * import { writeRunReport } from '@gankit/report';
 * await fs.mkdir('run-c', { recursive: true });
 * await fs.writeFile('run-c/config.json', JSON.stringify({ preset: 'dcgan-fashion' }));
 * const file = await writeRunReport('run-c', { out: 'reports/run-c.html' });
 * console.log(file.endsWith('run-c.html')); // true
 * ```
 * @category Reports
 */
export async function writeRunReport(
  runDir: string,
  options: RunReportOptions & { out?: string } = {},
): Promise<string> {
  const { out, ...rest } = options;
  const html = await buildReport('writeRunReport', runDir, rest);
  return writeTextAtomic('writeRunReport', out ?? path.join(runDir, 'report.html'), html);
}
