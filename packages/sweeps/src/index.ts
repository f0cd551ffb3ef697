/**
 * Runs a sweep of gankit trainings (axes x seeds), in-process or on BullMQ workers over Redis,
 * and tabulates the results: `readSweepSpec` and `planSweep` check every config first,
 * `runSweepLocally` trains the runs one by one, `enqueueSweep` and `startWorker` spread them over
 * machines, `summarize` and `formatTable` give mean and std over seeds per point.
 * @packageDocumentation
 */

export type { Log, RunSweepJobOptions, SweepJobProgress, SweepJobResult } from './job.js';
export { evaluationMetrics, runSweepJob, sweepRunDir } from './job.js';
export type { LocalSweepOptions, LocalSweepResult } from './local.js';
export { runSweepLocally } from './local.js';
export type {
  EnqueueSweepOptions,
  EnqueueSweepResult,
  StartWorkerOptions,
  SweepJobStatus,
  SweepQueueOptions,
  SweepStatus,
  SweepWorker,
} from './queue.js';
export {
  DEFAULT_ATTEMPTS,
  enqueueSweep,
  formatSweepStatus,
  parseQueuedJob,
  SWEEP_QUEUE,
  startWorker,
  sweepResults,
  sweepStatus,
} from './queue.js';
export type { RedisConnection, RedisTarget } from './redis.js';
export { maskRedisUrl, parseRedisUrl, REDIS_URL_ENV } from './redis.js';
export type {
  JsonValue,
  ParseSweepSpecOptions,
  SweepJob,
  SweepPlan,
  SweepPoint,
  SweepSpec,
} from './spec.js';
export { MAX_SWEEP_JOBS, parseSweepSpec, planSweep, readSweepSpec } from './spec.js';
export type { FormatTableOptions, MetricSummary, SweepRow } from './summary.js';
export { formatMeanStd, formatNumber, formatTable, resultMetrics, summarize } from './summary.js';
