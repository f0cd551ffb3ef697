import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { type RunConfig, type RunResult, resume, runPaths, train } from '@gankit/families';
import { valueAt } from './internal/value-at.js';
import type { SweepJob, SweepPoint } from './spec.js';

/** Where lines of a sweep's progress go. @category Sweeps */
export type Log = (line: string) => void;

/** Where a job's training stands, as {@link RunSweepJobOptions.onProgress} receives it. @category Sweeps */
export interface SweepJobProgress {
  step: number;
  totalSteps: number;
}

/** Options of {@link runSweepJob}. @category Sweeps */
export interface RunSweepJobOptions {
  /** The folder of all sweeps' results: a job's run is `<resultsDir>/<sweep>/<slug>-s<seed>`. */
  resultsDir: string;
  /** Progress lines (default: none). */
  log?: Log;
  /** CPU threads: the native kernels' or, without them, wasm's (default: every core). */
  threads?: number;
  /** Called after every training step. */
  onProgress?: (progress: SweepJobProgress) => void;
  /**
   * How long to wait while another live process trains the same run folder (a job handed on
   * while its first worker still ran), before failing with `RUN_IN_USE` (default 30 minutes).
   */
  lockWaitMs?: number;
}

/** What a job gave: its run and the numbers of its `evaluation.json`. @category Sweeps */
export interface SweepJobResult {
  sweep: string;
  /** The job id, `<sweep>:<slug>:s<seed>`. */
  id: string;
  slug: string;
  point: SweepPoint;
  seed: number;
  /** The run folder (on the machine that trained it). */
  runDir: string;
  /** The step its evaluation is of. */
  step: number;
  /** Every numeric field of `evaluation.json` by dot path, and the spec's `metrics`. */
  metrics: Record<string, number>;
  /** `trained` from step 0, `resumed` from a checkpoint, or `reused`: already finished, not trained again. */
  outcome: 'trained' | 'resumed' | 'reused';
  /** The checkpoint step a resumed run continued from. */
  resumedFrom?: number;
  /** `SIGINT` / `SIGTERM` when a signal stopped the training (checkpoint saved; `metrics` is empty). */
  interruptedBy?: string;
}

/** Sweep and slug as a queue or a caller gives them: safe as folder names, never a path. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._=+-]{0,159}$/;

/**
 * The run folder of a job: `<resultsDir>/<sweep>/<slug>-s<seed>`.
 * @param job - the job (its sweep, slug and seed)
 * @param resultsDir - the results folder
 * @returns the absolute run folder
 * @throws GanError `INVALID_ARGUMENT` when the sweep or slug is not a plain folder name
 * @category Sweeps
 */
export function sweepRunDir(job: Pick<SweepJob, 'sweep' | 'slug' | 'seed'>, resultsDir: string): string {
  for (const [what, name] of [
    ['sweep', job.sweep],
    ['slug', job.slug],
  ] as const) {
    if (!SAFE_NAME.test(name) || name.includes('..')) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `sweepRunDir: the ${what} must be a plain folder name, got '${name}'`,
      );
    }
  }
  if (!Number.isSafeInteger(job.seed) || job.seed < 0) {
    throw new GanError('INVALID_ARGUMENT', `sweepRunDir: the seed must be an integer >= 0, got ${job.seed}`);
  }
  return path.join(path.resolve(resultsDir), job.sweep, `${job.slug}-s${job.seed}`);
}

/**
 * The numbers of an evaluation by dot path: every finite number reached through objects (lists
 * such as per-mode counts are left out; `step` too, as every run of a sweep shares it), plus
 * each of `requested` that points at a finite number (list items by index: `perMode.3`).
 * @param evaluation - an `evaluation.json`'s content
 * @param requested - dot paths to include as well
 * @returns dot path -> number
 * @example
 * ```ts
 * import { evaluationMetrics } from '@gankit/sweeps';
 * const evaluation = { step: 500, modeCoverage: { modesCaptured: 7, perMode: [3, 0] } };
 * console.log(evaluationMetrics(evaluation, ['modeCoverage.perMode.1']));
 * // { 'modeCoverage.modesCaptured': 7, 'modeCoverage.perMode.1': 0 }
 * ```
 * @category Sweeps
 */
export function evaluationMetrics(
  evaluation: unknown,
  requested: readonly string[] = [],
): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (value: unknown, at: string[]) => {
    if (typeof value === 'number') {
      if (Number.isFinite(value) && !(at.length === 1 && at[0] === 'step')) out[at.join('.')] = value;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
    }
  };
  walk(evaluation, []);
  for (const p of requested) {
    const v = valueAt(evaluation, p);
    if (typeof v === 'number' && Number.isFinite(v)) out[p] = v;
  }
  return out;
}

/** A config as plain JSON with sorted keys, `backend` left out (a worker may choose its own). */
function canonical(config: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  const { backend: _backend, ...rest } = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  return JSON.stringify(sort(rest));
}

/** The first dot paths where two configs differ, for a message. */
function differences(a: unknown, b: unknown, at: string[] = []): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
      (k) => k !== 'backend' || at.length,
    );
    return keys.flatMap((k) =>
      differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...at, k]),
    );
  }
  return [`${at.join('.')} (${JSON.stringify(a)} there, ${JSON.stringify(b)} in this sweep)`];
}

/** Refuses a run folder that holds another config's run: a sweep never continues someone else's run. */
async function assertSameRun(runDir: string, config: RunConfig): Promise<void> {
  const file = runPaths(runDir).config;
  let stored: unknown;
  try {
    stored = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new GanError('IO_ERROR', `runSweepJob: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (canonical(stored) !== canonical(config)) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `runSweepJob: ${runDir} holds a run of another config (${differences(
        stored,
        JSON.parse(JSON.stringify(config)),
      )
        .slice(0, 3)
        .join('; ')}); give the sweep another name or results folder, or remove that run`,
    );
  }
}

/** The evaluation of a finished run (at its config's last step), or undefined. */
async function finishedEvaluation(
  runDir: string,
  steps: number,
): Promise<Record<string, unknown> | undefined> {
  let evaluation: unknown;
  try {
    evaluation = JSON.parse(await fs.readFile(runPaths(runDir).evaluation, 'utf8'));
  } catch {
    return undefined;
  }
  const step = (evaluation as { step?: unknown } | null)?.step;
  return step === steps ? (evaluation as Record<string, unknown>) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `1m05s`, `12s`. */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Runs one job of a sweep, idempotently: a run folder that already holds the finished run gives
 * its numbers without training; one with a checkpoint is resumed from it (bit-exactly, see
 * `resume`); otherwise the run is trained from step 0. Local sweeps and queue workers both call it.
 * @param job - a planned job (see {@link planSweep}) or a queued job's validated data
 * @param options - results folder, log, threads, progress
 * @returns the run folder and the numbers of its `evaluation.json`; `interruptedBy` when a signal
 *   stopped it (its checkpoint is saved; running the job again resumes it)
 * @throws GanError `INVALID_ARGUMENT` when the folder holds a run of another config; `RUN_IN_USE`
 *   when another process still trains it after `lockWaitMs`; any error of the training itself
 * @example
 * ```ts
 * import { parseSweepSpec, planSweep, runSweepJob } from '@gankit/sweeps';
 * const plan = await planSweep(
 *   parseSweepSpec({ name: 'ring-tiny', base: { preset: 'gan-ring8', backend: 'cpu', steps: 4 } }),
 * );
 * const result = await runSweepJob(plan.jobs[0]!, { resultsDir: 'runs/sweeps' });
 * console.log(result.runDir, result.metrics['modeCoverage.modesCaptured']);
 * ```
 * @category Sweeps
 */
export async function runSweepJob(job: SweepJob, options: RunSweepJobOptions): Promise<SweepJobResult> {
  const log = options.log ?? (() => {});
  const runDir = sweepRunDir(job, options.resultsDir);
  const { steps } = job.config.training;
  const every = job.config.output.progressEvery;
  const lockWaitMs = options.lockWaitMs ?? 30 * 60_000;
  const started = Date.now();
  let waitingSince: number | undefined;
  const base = { sweep: job.sweep, id: job.id, slug: job.slug, point: job.point, seed: job.seed, runDir };
  for (;;) {
    const done = await finishedEvaluation(runDir, steps);
    if (done) {
      log(`${runDir} already finished at step ${steps}: its evaluation is reused`);
      return { ...base, step: steps, metrics: evaluationMetrics(done, job.metrics), outcome: 'reused' };
    }
    let firstStep: number | undefined;
    const onProgress = (p: { step: number; totalSteps: number; losses: Record<string, number> }) => {
      firstStep ??= p.step;
      if (p.step % every === 0 || p.step === p.totalSteps) {
        const losses = Object.entries(p.losses)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join('  ');
        log(`step ${p.step}/${p.totalSteps}  ${losses}  (${duration(Date.now() - started)})`);
      }
      options.onProgress?.({ step: p.step, totalSteps: p.totalSteps });
    };
    const runOptions = {
      log,
      onProgress,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    };
    let result: RunResult | undefined;
    let resumed = false;
    try {
      if (existsSync(runPaths(runDir).config)) {
        await assertSameRun(runDir, job.config);
        resumed = true;
        result = await resume(runDir, runOptions);
      } else {
        result = await train(job.config, { ...runOptions, out: runDir });
      }
    } catch (e) {
      if (e instanceof GanError && e.code === 'RUN_IN_USE') {
        if (waitingSince === undefined) {
          waitingSince = Date.now();
          log(`${runDir} is being trained by another process; waiting for it to finish`);
        }
        if (Date.now() - waitingSince < lockWaitMs) {
          await sleep(2_000);
          continue;
        }
      }
      throw e;
    }
    if (result === undefined) {
      // resume found the run at its last step with an evaluation of another step
      throw new GanError(
        'IO_ERROR',
        `runSweepJob: ${runDir} reached step ${steps} but its evaluation.json is of another step; remove evaluation.json and run the job again`,
      );
    }
    const resumedFrom = resumed ? (firstStep === undefined ? result.step : firstStep - 1) : undefined;
    const outcome = resumedFrom !== undefined && resumedFrom > 0 ? 'resumed' : 'trained';
    return {
      ...base,
      step: result.step,
      metrics: result.interruptedBy ? {} : evaluationMetrics(result.evaluation, job.metrics),
      outcome,
      ...(outcome === 'resumed' ? { resumedFrom } : {}),
      ...(result.interruptedBy ? { interruptedBy: result.interruptedBy } : {}),
    };
  }
}
