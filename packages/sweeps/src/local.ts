import { GanError } from '@gankit/core';
import { type Log, type RunSweepJobOptions, runSweepJob, type SweepJobResult } from './job.js';
import { planSweep, type SweepPlan, type SweepSpec } from './spec.js';

/** Options of {@link runSweepLocally}. @category Sweeps */
export interface LocalSweepOptions extends Omit<RunSweepJobOptions, 'log'> {
  /** Progress lines, each prefixed with its job id (default: none). */
  log?: Log;
}

/** What {@link runSweepLocally} returns. @category Sweeps */
export interface LocalSweepResult {
  plan: SweepPlan;
  /** One per job run, in the plan's order. */
  results: SweepJobResult[];
  /** `SIGINT` / `SIGTERM` when a signal stopped the sweep (the run it was training saved a checkpoint). */
  interruptedBy?: string;
}

/**
 * Runs a sweep's jobs one at a time in this process (no Redis): plans it (every config
 * validated first), then trains, resumes or reuses each run (see {@link runSweepJob}), so
 * running the same sweep again continues where it stopped.
 * @param spec - a validated spec (see {@link readSweepSpec})
 * @param options - results folder, log, threads
 * @returns the plan and the results; `interruptedBy` when a signal stopped it
 * @throws GanError `INVALID_CONFIG` for a spec whose points do not give valid configs; a job's
 *   error, its id in the message
 * @example
 * ```ts
 * import { formatTable, parseSweepSpec, runSweepLocally, summarize } from '@gankit/sweeps';
 * const spec = parseSweepSpec({
 *   name: 'ring-bs',
 *   base: { preset: 'gan-ring8', backend: 'cpu', steps: 4 },
 *   axes: { 'training.batchSize': [16, 32] },
 * });
 * const { results } = await runSweepLocally(spec, { resultsDir: 'runs/sweeps' });
 * console.log(formatTable(summarize(results, ['modeCoverage.highQualityFraction'])));
 * ```
 * @category Sweeps
 */
export async function runSweepLocally(
  spec: SweepSpec,
  options: LocalSweepOptions,
): Promise<LocalSweepResult> {
  const log = options.log ?? (() => {});
  const plan = await planSweep(spec);
  log(
    `sweep ${spec.name}: ${plan.points.length} points x ${(spec.seeds ?? [0]).length} seeds = ${plan.jobs.length} runs`,
  );
  const results: SweepJobResult[] = [];
  for (const [i, job] of plan.jobs.entries()) {
    log(`[${job.id}] run ${i + 1}/${plan.jobs.length}`);
    let result: SweepJobResult;
    try {
      result = await runSweepJob(job, { ...options, log: (line) => log(`[${job.id}] ${line}`) });
    } catch (e) {
      if (e instanceof GanError)
        throw new GanError(e.code, `sweep job ${job.id}: ${e.message}`, { cause: e });
      throw e;
    }
    results.push(result);
    if (result.interruptedBy) {
      log(`sweep ${spec.name}: stopped by ${result.interruptedBy}; run the same sweep again to continue`);
      return { plan, results, interruptedBy: result.interruptedBy };
    }
  }
  return { plan, results };
}
