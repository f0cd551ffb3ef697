import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { type BackendReport, formatBackendReport, setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { makeDirectory, saveModel, writeFileAtomic } from '@gankit/data';
import { writeRunReport } from '@gankit/report';
import {
  checkpointCallback,
  formatDuration,
  learningRateSchedule,
  metricsLogCallback,
  type ProgressInfo,
  progressCallback,
  sampleGridCallback,
  Trainer,
} from '@gankit/trainers';
import { applyConfigOverrides, type ConfigOverrides, type RunConfig } from '../config.js';
import type { FamilyParts, Log } from '../family.js';
import { getFamily, getPreset, parseRunConfig } from '../registry.js';
import { acquireRunLock, type RunLock } from './lock.js';
import { monitorCallback } from './monitor.js';
import { assertFreshRunDir, nextFreeRunDir, readRunConfig, runPaths, writeRunConfig } from './run-dir.js';

/**
 * A preset's config with overrides applied, validated by its family's schema.
 * @param preset - a preset name (see `listPresets`)
 * @param overrides - changes to apply
 * @returns the validated config
 * @throws GanError `UNKNOWN_NAME` for an unknown preset, `INVALID_CONFIG` listing every problem, `INVALID_ARGUMENT` for `data` on generated data
 * @example
 * ```ts
 * import { presetConfig } from '@gankit/families';
 * const config = presetConfig('dcgan-fashion', { steps: 10, set: ['model.generatorWidth=16'] });
 * console.log(config.training.steps, config.model.generatorWidth); // 10 16
 * ```
 * @category Runs
 */
export function presetConfig(preset: string, overrides: ConfigOverrides = {}): RunConfig {
  const config = getPreset(preset);
  applyConfigOverrides(config, overrides, `preset '${preset}'`);
  return parseRunConfig(config, `preset '${preset}' with the given flags`);
}

/** Options of {@link createRun}, {@link train} and {@link resume}. @category Runs */
export interface RunOptions {
  /** Progress lines (default: none). */
  log?: Log;
  /** CPU threads: the native kernels' or, without them, wasm's (default: every core). */
  threads?: number;
  /** Called after every training step, in place of the progress lines (a terminal's bar). */
  onProgress?: (progress: ProgressInfo) => void;
}

/** A run ready to train: its trainer and the family's parts. @category Runs */
export interface Run {
  config: RunConfig;
  runDir: string;
  trainer: Trainer;
  parts: FamilyParts;
  /** Which backend was set up and why (written to the run's `backend.json` when it trains). */
  backend: BackendReport;
}

/**
 * Sets up the config's backend and builds the run: the family's networks, strategy and data,
 * and the standard callbacks (progress, metrics log, samples, checkpoints, rate decay).
 * Nothing is written until it trains. Dispose with {@link disposeRun} if it never trains.
 * @param config - a validated config (see {@link presetConfig}, `parseRunConfig`)
 * @param runDir - the run folder
 * @param options - log and threads
 * @returns the run
 * @category Runs
 */
export async function createRun(config: RunConfig, runDir: string, options: RunOptions = {}): Promise<Run> {
  const log = options.log ?? (() => {});
  const family = getFamily(config.family);
  const report = await setupBackend({
    backend: config.backend,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  for (const line of formatBackendReport(report)) log(line);
  const parts = await family.build(config, log, { runDir });
  const { training, output } = config;
  const monitor =
    output.evalEvery !== undefined && parts.monitor
      ? monitorCallback({
          every: output.evalEvery,
          trainer: () => trainer,
          monitor: parts.monitor,
          file: runPaths(runDir).monitor,
          log,
        })
      : undefined;
  const trainer: Trainer = new Trainer({
    strategy: parts.strategy,
    data: parts.data,
    steps: training.steps,
    seed: training.seed,
    runDir,
    config,
    checkpointOnSignal: true,
    ...(config.emaDecay !== undefined ? { emaDecay: config.emaDecay } : {}),
    ...(training.onNonFinite !== undefined ? { onNonFinite: training.onNonFinite } : {}),
    callbacks: [
      ...(training.decayStart === undefined
        ? []
        : [learningRateSchedule({ kind: 'linear', decayStart: training.decayStart })]),
      ...(monitor ? [monitor] : []),
      progressCallback({
        every: output.progressEvery,
        log,
        ...(monitor ? { status: monitor.status } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      }),
      metricsLogCallback({ every: 1 }),
      parts.samples ??
        sampleGridCallback({
          every: output.sampleEvery,
          count: output.sampleCount,
          seed: training.seed,
          log,
        }),
      checkpointCallback({ every: output.checkpointEvery }),
    ],
  });
  return { config, runDir, trainer, parts, backend: report };
}

/** Releases a run's trainer and networks. @category Runs */
export function disposeRun(run: Run): void {
  run.trainer.dispose();
  run.parts.strategy.dispose();
}

/** What {@link train} and {@link resume} return. @category Runs */
export interface RunResult {
  runDir: string;
  /** The step reached. */
  step: number;
  /** `SIGINT` / `SIGTERM` when a signal stopped it (a checkpoint was saved). */
  interruptedBy?: string;
  /** What was written to `evaluation.json`. */
  evaluation: Record<string, unknown>;
}

/** Trains to the trainer's last step, exports the generator, evaluates; disposes the run. */
async function fitRun(run: Run, log: Log): Promise<RunResult> {
  const { trainer, runDir } = run;
  try {
    await writeFileAtomic(runPaths(runDir).backend, `${JSON.stringify(run.backend, null, 2)}\n`);
    await run.parts.saveDerived?.(runDir);
    const result = await trainer.fit();
    await trainer.withSamplingNetwork((g) => saveModel(g, runPaths(runDir).generator));
    await run.parts.exportNetworks?.(trainer, runDir);
    const evaluation = { step: result.step, ...((await run.parts.evaluate?.(trainer)) ?? {}) };
    await writeFileAtomic(runPaths(runDir).evaluation, `${JSON.stringify(evaluation, null, 2)}\n`);
    try {
      await writeRunReport(runDir);
    } catch (e) {
      // the run's results are safe on disk; a report can be rebuilt with `gankit report`
      log(`report: not written (${(e as Error).message.split('\n')[0]})`);
    }
    if (result.interruptedBy) {
      log(
        `stopped by ${result.interruptedBy} at step ${result.step}; checkpoint saved. Continue with: gankit resume ${runDir}`,
      );
    } else {
      log(`done: step ${result.step} in ${formatDuration(result.elapsedMs)}`);
      log(`samples: ${path.join(runPaths(runDir).samples, 'final.png')}`);
      log(`generator: ${runPaths(runDir).generator}/model.json`);
      log(`report: ${runPaths(runDir).report}`);
    }
    return {
      runDir,
      step: result.step,
      ...(result.interruptedBy ? { interruptedBy: result.interruptedBy } : {}),
      evaluation,
    };
  } finally {
    disposeRun(run);
  }
}

/** Options of {@link train}. @category Runs */
export interface TrainOptions extends RunOptions {
  /** The run folder (default: `runs/<preset>`, or `-2`, `-3`, ... when taken). */
  out?: string;
}

/**
 * Trains a config into a fresh run folder: sample grids, checkpoints, the final generator
 * (`generator/model.json`) and `evaluation.json`. The library form of `gankit train`.
 * @param config - a validated config (see {@link presetConfig})
 * @param options - run folder, log, threads
 * @returns where it went and the end-of-run numbers
 * @throws GanError `INVALID_ARGUMENT` when the folder already holds a run or other files;
 *   `RUN_IN_USE` when another process is starting a run in it
 * @example
 * ```ts
 * import { presetConfig, train } from '@gankit/families';
 * const config = presetConfig('gan-ring8', { steps: 4, backend: 'cpu', set: ['training.batchSize=16'] });
 * const result = await train(config, { out: 'runs/ring-example' });
 * console.log(result.step); // 4
 * ```
 * @category Runs
 */
export async function train(config: RunConfig, options: TrainOptions = {}): Promise<RunResult> {
  const log = options.log ?? (() => {});
  const base = path.resolve('runs', config.preset);
  // without --out, a folder another process took a moment ago makes us move on to the next one
  for (;;) {
    const runDir = options.out ? path.resolve(options.out) : await nextFreeRunDir(base);
    await assertFreshRunDir(runDir);
    await makeDirectory(runDir, 'train');
    let lock: RunLock;
    try {
      lock = acquireRunLock(runDir, 'train', log);
    } catch (e) {
      if (!options.out && e instanceof GanError && e.code === 'RUN_IN_USE') continue;
      throw e;
    }
    try {
      await assertFreshRunDir(runDir);
      const run = await createRun(config, runDir, options);
      await writeRunConfig(runDir, config);
      log(
        `run: ${runDir} (${config.preset}, ${config.training.steps} steps of batch ${config.training.batchSize})`,
      );
      return await fitRun(run, log);
    } finally {
      lock.release();
    }
  }
}

/** Options of {@link resume}. @category Runs */
export interface ResumeOptions extends RunOptions {
  /** N more steps after the checkpoint; without it, up to the config's step count. */
  steps?: number;
}

/**
 * Restores a run's latest checkpoint (weights, optimizer slots, random state, data position)
 * and continues exactly where it stopped. The library form of `gankit resume`.
 * @param runDir - the run folder
 * @param options - more steps, log, threads
 * @returns the result, or `undefined` when the run is already at its target step
 * @throws GanError `RUN_IN_USE` when another process trains the run now
 * @category Runs
 */
export async function resume(runDir: string, options: ResumeOptions = {}): Promise<RunResult | undefined> {
  const log = options.log ?? (() => {});
  const dir = path.resolve(runDir);
  const config = await readRunConfig(dir);
  const lock = acquireRunLock(dir, 'resume', log);
  try {
    const run = await createRun(config, dir, options);
    const step = await run.trainer.restore();
    for (const { path: skipped, reason } of run.trainer.skippedCheckpoints) {
      log(`resume: passed over ${skipped}, which cannot be read (${reason.split('\n')[0]})`);
    }
    if (step === undefined) {
      // stopped before its first checkpoint: nothing to lose, so start it over in place
      log(`resume: ${dir} has no checkpoint yet; training it from step 0`);
      if (options.steps !== undefined) run.trainer.setTotalSteps(options.steps);
      return await fitRun(run, log);
    }
    const target = options.steps !== undefined ? step + options.steps : config.training.steps;
    if (target <= step && !existsSync(runPaths(dir).evaluation)) {
      // stopped after its last step but before the export: finish that
      log(`resume: ${dir} reached step ${step}; writing its generator, samples and evaluation`);
      return await fitRun(run, log);
    }
    if (target <= step) {
      disposeRun(run);
      log(`resume: ${dir} is already at step ${step} of ${target}; pass --steps N to train N more`);
      return undefined;
    }
    run.trainer.setTotalSteps(target);
    log(`resume: ${dir} from step ${step} to ${target}`);
    return await fitRun(run, log);
  } finally {
    lock.release();
  }
}
