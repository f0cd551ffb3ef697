import * as path from 'node:path';
import { BACKEND_CHOICES, type BackendChoice } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { type SweepChartData, type SweepChartOptions, writeSweepChart } from '@gankit/report';
import {
  enqueueSweep,
  formatSweepStatus,
  formatTable,
  maskRedisUrl,
  parseRedisUrl,
  REDIS_URL_ENV,
  readSweepSpec,
  runSweepLocally,
  SWEEP_QUEUE,
  type SweepJobResult,
  type SweepPoint,
  type SweepSpec,
  startWorker,
  summarize,
  sweepResults,
  sweepStatus,
} from '@gankit/sweeps';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { backend, examples, int, loadPlugins, PLUGIN_HELP, THREADS_HELP } from '../options.js';

type Log = (line: string) => void;

/** The default folder of local sweeps' and workers' runs. */
const RESULTS_DIR = path.join('runs', 'sweeps');

/** Flags of `gankit sweep`. */
export interface SweepFlags {
  redis?: string;
  results?: string;
  threads?: number;
  /** Where to write the chart of the table: a `.svg` or `.html` file. */
  plot?: string;
}

/** The extensions `--plot` takes, with what each writes. */
const PLOT_HELP =
  'also draw the table, a panel per metric with mean ± std per point and each seed: FILE.svg writes the chart, FILE.html a page with the chart and the table';

/** `--plot`'s parser: refuses a file it cannot write before anything is done. */
function plotFile(value: string): string {
  const ext = path.extname(value).toLowerCase();
  if (ext !== '.svg' && ext !== '.html') {
    throw new InvalidArgumentError(`expected a file ending in .svg or .html, got '${value}'`);
  }
  return value;
}

/** A path as the user would type it: relative to the working folder when inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

const valueText = (value: SweepPoint[string]) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A sweep's results as the chart's input: a point per row of the table in the spec's order
 * (first axis slowest, as the sweep ran them), labelled by its axis values (just the value for
 * a one-axis sweep, whose axis names the x axis), with each seed's value of every metric.
 */
function chartInput(
  spec: SweepSpec,
  results: readonly SweepJobResult[],
): { data: SweepChartData; options: SweepChartOptions } {
  const rows = summarize(results, spec.metrics);
  const axes = Object.entries(spec.axes ?? {});
  const rank = (point: SweepPoint) =>
    axes.map(([key, values]) => {
      const at = values.findIndex((v) => JSON.stringify(v) === JSON.stringify(point[key]));
      return at < 0 ? values.length : at;
    });
  const ranks = new Map(rows.map((r) => [r.slug, rank(r.point)]));
  const byRank = (a: number[], b: number[]) => a.findIndex((x, i) => x !== b[i]);
  rows.sort((a, b) => {
    const ra = ranks.get(a.slug)!;
    const rb = ranks.get(b.slug)!;
    const at = byRank(ra, rb);
    return at < 0 ? 0 : ra[at]! - rb[at]!;
  });
  const short = (key: string) => key.split('.').at(-1)!;
  const name = (key: string) => (axes.filter(([k]) => short(k) === short(key)).length > 1 ? key : short(key));
  const label = (point: SweepPoint, slug: string) => {
    if (axes.length === 0) return slug;
    if (axes.length === 1) return valueText(point[axes[0]![0]] ?? null);
    return axes.map(([k]) => `${name(k)}=${valueText(point[k] ?? null)}`).join(', ');
  };
  let labels = rows.map((r) => label(r.point, r.slug));
  // points outside the spec (it changed under the same name) could repeat a label: slugs never do
  if (new Set(labels).size < labels.length) labels = rows.map((r) => r.slug);
  const done = results.filter((r) => r.interruptedBy === undefined);
  const points = rows.map((row, i) => {
    const runs = done.filter((r) => r.slug === row.slug);
    const metrics = Object.fromEntries(
      Object.entries(row.metrics).map(([metric, m]) => [
        metric,
        { ...m, values: runs.flatMap((r) => (r.metrics[metric] === undefined ? [] : [r.metrics[metric]])) },
      ]),
    );
    return { label: labels[i]!, metrics };
  });
  const present = new Set(points.flatMap((p) => Object.keys(p.metrics)));
  const metrics = spec.metrics?.filter((m) => present.has(m));
  return {
    data: { name: spec.name, points },
    options: {
      xTitle: axes.length === 1 ? name(axes[0]![0]) : 'point',
      ...(metrics ? { metrics } : {}),
    },
  };
}

/** Writes `--plot`'s chart of the results and says where; says why when there is nothing to draw. */
async function writePlot(file: string, spec: SweepSpec, results: readonly SweepJobResult[], log: Log) {
  const { data, options } = chartInput(spec, results);
  if (data.points.every((p) => Object.keys(p.metrics).length === 0)) {
    log(
      `plot: not written: the ${data.points.length ? "runs' evaluations have no metrics" : 'sweep has no results yet'}`,
    );
    return;
  }
  log(`plot: ${shown(await writeSweepChart(data, file, options))}`);
}

/** What `gankit sweep` did: the signal that stopped a local sweep, if one did. */
export interface SweepOutcome {
  interruptedBy?: string;
}

/** The Redis URL of a command: `--redis URL`, or `GANKIT_REDIS_URL` (commander reads both). */
function redisUrl(flags: { redis?: string }): string {
  if (flags.redis === undefined || flags.redis === '') {
    throw new GanError('INVALID_ARGUMENT', `give --redis redis://host:port or set ${REDIS_URL_ENV}`);
  }
  parseRedisUrl(flags.redis); // a malformed URL fails here, masked
  return flags.redis;
}

/** How to name the URL in a command line we print: never its password. */
function urlHint(url: string): string {
  if (parseRedisUrl(url).password !== undefined) return `(with ${REDIS_URL_ENV} set)`;
  return `--redis ${maskRedisUrl(url)}`;
}

/**
 * `gankit sweep <spec>`: without --redis, trains the sweep's runs one by one here and prints
 * the table; with --redis, enqueues them for `gankit worker`s.
 */
export async function sweepCommand(specFile: string, flags: SweepFlags, log: Log): Promise<SweepOutcome> {
  const spec = await readSweepSpec(specFile);
  if (flags.redis !== undefined) {
    const url = redisUrl(flags);
    if (flags.results !== undefined || flags.threads !== undefined) {
      log(
        'note: --results and --threads apply to local sweeps; workers take their own (gankit worker --help)',
      );
    }
    if (flags.plot !== undefined) {
      log(
        `note: --plot applies to local sweeps; plot a queued sweep with gankit sweep results ${specFile} --plot FILE`,
      );
    }
    const r = await enqueueSweep(spec, { connection: url });
    const total = r.added.length + r.requeued.length + r.existing.length;
    log(
      `sweep ${spec.name}: ${r.added.length} of ${total} jobs added to queue ${r.queue} on ${maskRedisUrl(url)}`,
    );
    if (r.requeued.length) log(`  ${r.requeued.length} failed jobs added again: ${r.requeued.join(', ')}`);
    if (r.existing.length) log(`  ${r.existing.length} already queued, running or done (left as they are)`);
    if (r.changed.length) {
      log(
        `  warning: ${r.changed.length} of those were queued with another config (${r.changed.slice(0, 3).join(', ')}); a changed sweep needs a new name`,
      );
    }
    const hint = urlHint(url);
    log(`workers:  gankit worker ${hint}`);
    log(`status:   gankit sweep status ${specFile} ${hint}`);
    log(`results:  gankit sweep results ${specFile} ${hint}`);
    return {};
  }
  const resultsDir = flags.results ?? RESULTS_DIR;
  const { results, interruptedBy } = await runSweepLocally(spec, {
    resultsDir,
    log,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
  });
  if (interruptedBy) return { interruptedBy };
  log('');
  log(formatTable(summarize(results, spec.metrics), spec.metrics ? { metrics: spec.metrics } : {}));
  log(`runs: ${path.join(resultsDir, spec.name)}`);
  if (flags.plot !== undefined) await writePlot(flags.plot, spec, results, log);
  return {};
}

/** `gankit sweep status <spec>`: the sweep's jobs on the queue, per state, and its failures. */
export async function sweepStatusCommand(
  specFile: string,
  flags: { redis?: string },
  log: Log,
): Promise<void> {
  const spec = await readSweepSpec(specFile);
  for (const line of formatSweepStatus(await sweepStatus(spec, { connection: redisUrl(flags) }))) log(line);
}

/** `gankit sweep results <spec>`: the table of the sweep's completed jobs, from Redis (and with --plot, its chart). */
export async function sweepResultsCommand(
  specFile: string,
  flags: { redis?: string; plot?: string },
  log: Log,
): Promise<void> {
  const spec = await readSweepSpec(specFile);
  const url = redisUrl(flags);
  const results = await sweepResults(spec, { connection: url });
  const status = await sweepStatus(spec, { connection: url });
  log(`sweep ${spec.name}: ${results.length} of ${status.jobs.length} jobs completed`);
  if (results.length === 0) {
    if (flags.plot !== undefined) log('plot: not written: no job has completed yet');
    return;
  }
  log(formatTable(summarize(results, spec.metrics), spec.metrics ? { metrics: spec.metrics } : {}));
  if (flags.plot !== undefined) await writePlot(flags.plot, spec, results, log);
}

/** Flags of `gankit worker`. */
export interface WorkerFlags {
  redis?: string;
  concurrency: number;
  backend?: BackendChoice;
  threads?: number;
  results?: string;
  lockDuration: number;
  stalledInterval: number;
}

/**
 * `gankit worker`: serves the sweep queue until SIGINT or SIGTERM, then stops taking jobs; the
 * running job's training stops at a checkpoint and goes back to the queue, and the worker exits.
 */
export async function workerCommand(flags: WorkerFlags, log: Log): Promise<void> {
  const url = redisUrl(flags);
  const resultsDir = flags.results ?? RESULTS_DIR;
  const worker = startWorker({
    connection: url,
    resultsDir,
    concurrency: flags.concurrency,
    lockDurationMs: flags.lockDuration * 1000,
    stalledIntervalMs: flags.stalledInterval * 1000,
    log,
    ...(flags.backend === undefined ? {} : { backend: flags.backend }),
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
  });
  log(
    `worker ${process.pid}: queue ${SWEEP_QUEUE} on ${maskRedisUrl(url)}, runs in ${resultsDir}, ${flags.concurrency} job(s) at a time${flags.backend ? `, backend ${flags.backend}` : ''}; Ctrl-C stops it`,
  );
  await new Promise<void>((resolve, reject) => {
    let stopping: number | undefined;
    const stop = (signal: NodeJS.Signals) => {
      // a terminal's Ctrl-C arrives twice at once (see bin.ts): only a later one forces the exit
      if (stopping !== undefined && Date.now() - stopping < 1_000) return;
      if (stopping !== undefined) {
        log(`worker: ${signal} again; exiting now (the running job resumes from its last checkpoint)`);
        process.exit(1);
      }
      stopping = Date.now();
      log(`worker: ${signal}; stopping (a running job saves a checkpoint and goes back to the queue)`);
      worker.close().then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        log('worker: stopped');
        resolve();
      }, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** What {@link registerSweepCommands} needs from the program it joins. */
export interface SweepCommandHelpers {
  log: Log;
  /** Records the signal that stopped a local sweep, for the exit code. */
  interrupted: (signal: string) => void;
}

const REDIS_HELP = `Redis URL, redis://[:password@]host:port[/db] or rediss:// (TLS); better from the environment variable ${REDIS_URL_ENV}, which keeps the password out of shell history`;

/**
 * Adds `gankit sweep` (with `sweep status` and `sweep results`) and `gankit worker` to the program.
 * @returns the commands added, for the program's error formatting
 */
export function registerSweepCommands(program: Command, h: SweepCommandHelpers): Command[] {
  const redisOption = (help = REDIS_HELP) => new Option('--redis <url>', help).env(REDIS_URL_ENV);
  const sweep = program
    .command('sweep')
    .description(
      'run a sweep of trainings (axes x seeds) from a spec file: here, one run after another, then a table of mean ± std over seeds; or, with --redis, on gankit workers',
    )
    .argument('<spec>', 'sweep spec (YAML or JSON: name, base, axes, seeds, metrics; see docs/sweeps.md)')
    // `sweep status SPEC --redis URL`: options after a subcommand are the subcommand's, not
    // sweep's own --redis (commander needs this on every command above it: the program has
    // no options of its own but --version and --help)
    .enablePositionalOptions()
    .option(
      '--redis [url]',
      `enqueue the runs for gankit workers instead of training here, on the Redis at URL (redis://[:password@]host:port[/db] or rediss://) or, with no URL, at ${REDIS_URL_ENV} (which keeps the password out of shell history)`,
    )
    .option('--results <dir>', 'local sweeps: folder of the runs, <dir>/<name>/<point>-s<seed>', RESULTS_DIR)
    .option('--threads <n>', `local sweeps: ${THREADS_HELP}`, int(1))
    .option('--plot <file>', `local sweeps: ${PLOT_HELP}`, plotFile)
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (spec: string, { plugin, ...opts }, cmd: Command) => {
      await loadPlugins(plugin);
      // --results only counts as given when typed: commander fills in its default
      const results = cmd.getOptionValueSource('results') === 'default' ? undefined : opts.results;
      // a bare --redis takes the URL from the environment; without --redis the sweep runs here
      const redis = opts.redis === true ? (process.env[REDIS_URL_ENV] ?? '') : opts.redis;
      const outcome = await sweepCommand(spec, { ...opts, results, redis }, h.log);
      if (outcome.interruptedBy) h.interrupted(outcome.interruptedBy);
    })
    .addHelpText(
      'after',
      examples(
        'gankit sweep docs/examples/sweep-tiny.yaml              # here, into runs/sweeps/ring-lr-tiny',
        'gankit sweep docs/examples/sweep-tiny.yaml --plot sweep.svg   # and draw the table',
        'gankit sweep my-sweep.yaml --redis                      # enqueue at GANKIT_REDIS_URL for gankit workers',
        'gankit sweep status my-sweep.yaml                       # with GANKIT_REDIS_URL set',
        'gankit sweep results my-sweep.yaml',
      ),
    );
  const status = sweep
    .command('status')
    .description("a queued sweep's jobs per state, their progress, and why failed ones failed")
    .argument('<spec>', 'the sweep spec it was enqueued from')
    .addOption(redisOption())
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (spec: string, { plugin, ...opts }) => {
      await loadPlugins(plugin);
      await sweepStatusCommand(spec, opts, h.log);
    });
  const results = sweep
    .command('results')
    .description(
      "a queued sweep's table (mean ± std over seeds per point) from the results its workers returned",
    )
    .argument('<spec>', 'the sweep spec it was enqueued from')
    .addOption(redisOption())
    .option('--plot <file>', PLOT_HELP, plotFile)
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (spec: string, { plugin, ...opts }) => {
      await loadPlugins(plugin);
      await sweepResultsCommand(spec, opts, h.log);
    })
    .addHelpText('after', examples('gankit sweep results my-sweep.yaml --plot my-sweep.html'));
  const worker = program
    .command('worker')
    .description(
      "train queued sweep jobs until SIGINT/SIGTERM: validated presets and configs only, never commands; a job whose worker died resumes here from the run's last checkpoint",
    )
    .addOption(redisOption())
    .option(
      '--concurrency <n>',
      'jobs at once in this process (they share it: prefer one worker per device)',
      int(1),
      1,
    )
    .option(
      '--backend <name>',
      `compute backend of this worker's runs (${BACKEND_CHOICES.join(', ')}; default: the spec's)`,
      backend,
    )
    .option('--threads <n>', THREADS_HELP, int(1))
    .option(
      '--results <dir>',
      'folder of the runs (shared between machines: a job resumes wherever it goes)',
      RESULTS_DIR,
    )
    .option(
      '--lock-duration <s>',
      "seconds a job's lock lasts unrenewed: a dead worker's job moves on after about this",
      int(1),
      60,
    )
    .option('--stalled-interval <s>', 'seconds between checks for jobs whose worker died', int(1), 30)
    .option('--plugin <module...>', `${PLUGIN_HELP}; never from the queue`)
    .action(async ({ plugin, ...opts }) => {
      await loadPlugins(plugin);
      await workerCommand(opts, h.log);
    })
    .addHelpText(
      'after',
      examples(
        'GANKIT_REDIS_URL=redis://:PASSWORD@10.0.0.5:6379 gankit worker --backend wasm --results /shared/sweeps',
        'gankit worker --redis redis://127.0.0.1:6379 --concurrency 2 --threads 4',
      ),
    );
  return [sweep, status, results, worker];
}
