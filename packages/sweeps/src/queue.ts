import { GanError } from '@gankit/core';
import { parseRunConfig, type RunConfig } from '@gankit/families';
import { type Job, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { describeTarget, maskSecret, openRedis, redisTarget } from './internal/connection.js';
import { valueAt } from './internal/value-at.js';
import { type Log, runSweepJob, type SweepJobResult } from './job.js';
import type { RedisConnection } from './redis.js';
import { type JsonValue, planSweep, type SweepJob, type SweepSpec } from './spec.js';

/** The BullMQ queue every sweep's jobs go to; a worker serves any sweep. @category Queue */
export const SWEEP_QUEUE = 'gankit-sweeps';

/** Tries of a queued job before it counts as failed, unless the spec says `attempts`. @category Queue */
export const DEFAULT_ATTEMPTS = 3;

/** What a queued job carries: a planned job, as plain JSON (never a command, module or path). */
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._=+-]{0,159}$/;
const DOT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;
const jobDataSchema = z
  .object({
    v: z.literal(1),
    sweep: z.string().regex(NAME),
    slug: z
      .string()
      .regex(SLUG)
      .refine((s) => !s.includes('..'), 'must not contain ..'),
    point: z.record(z.string().regex(DOT_PATH), z.json()),
    seed: z.number().int().min(0),
    config: z.record(z.string(), z.unknown()),
    metrics: z.array(z.string().regex(DOT_PATH)).max(1000).optional(),
  })
  .strict();

/** A queued job's data. */
type JobData = z.infer<typeof jobDataSchema>;

const resultSchema = z.object({
  sweep: z.string(),
  id: z.string(),
  slug: z.string(),
  point: z.record(z.string(), z.json()),
  seed: z.number(),
  runDir: z.string(),
  step: z.number(),
  metrics: z.record(z.string(), z.number()),
  outcome: z.enum(['trained', 'resumed', 'reused']),
  resumedFrom: z.number().optional(),
});

function jobData(job: SweepJob): JobData {
  return {
    v: 1,
    sweep: job.sweep,
    slug: job.slug,
    point: job.point,
    seed: job.seed,
    config: JSON.parse(JSON.stringify(job.config)) as Record<string, unknown>,
    ...(job.metrics === undefined ? {} : { metrics: job.metrics }),
  };
}

/**
 * Checks a queued job's data as a worker receives it from Redis, trusting nothing: the zod
 * shape, the id it must have, the config through its family's schema (so only what a preset or
 * config file could say is trained), and that the config holds the job's seed and point.
 * @param id - the BullMQ job id
 * @param data - the job's data
 * @param backend - the worker's backend, replacing the config's (omit to keep it)
 * @returns the job
 * @throws GanError `INVALID_CONFIG` naming what is wrong
 * @category Queue
 */
export function parseQueuedJob(id: string | undefined, data: unknown, backend?: string): SweepJob {
  const parsed = jobDataSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new GanError('INVALID_CONFIG', `queued job ${id}: not a gankit sweep job:\n${lines.join('\n')}`);
  }
  const d = parsed.data;
  const expected = `${d.sweep}:${d.slug}:s${d.seed}`;
  if (id !== expected) {
    throw new GanError('INVALID_CONFIG', `queued job ${id}: its data is of job ${expected}`);
  }
  const raw = backend === undefined ? d.config : { ...d.config, backend };
  const config: RunConfig = parseRunConfig(raw, `queued job ${id}'s config`);
  if (config.training.seed !== d.seed) {
    throw new GanError('INVALID_CONFIG', `queued job ${id}: its config trains seed ${config.training.seed}`);
  }
  for (const [key, value] of Object.entries(d.point)) {
    if (JSON.stringify(valueAt(config, key)) !== JSON.stringify(value)) {
      throw new GanError(
        'INVALID_CONFIG',
        `queued job ${id}: its config does not hold ${key}=${JSON.stringify(value)}`,
      );
    }
  }
  return {
    sweep: d.sweep,
    id: expected,
    slug: d.slug,
    point: d.point as Record<string, JsonValue>,
    seed: d.seed,
    config,
    ...(d.metrics === undefined ? {} : { metrics: d.metrics }),
  };
}

/** Runs `use` with a queue on a short-lived connection that fails instead of waiting for Redis. */
async function withQueue<T>(
  connection: RedisConnection,
  queueName: string,
  use: (queue: Queue) => Promise<T>,
): Promise<T> {
  const target = redisTarget(connection);
  let lastError: string | undefined;
  const redis = openRedis(target, { role: 'client', onError: (m) => (lastError = m) });
  const queue = new Queue(queueName, { connection: redis });
  queue.on('error', () => {}); // the connection's errors are reported once, below
  try {
    return await use(queue);
  } catch (e) {
    if (e instanceof GanError) throw e;
    const why = maskSecret(lastError ?? (e as Error).message, target);
    throw new GanError('IO_ERROR', `redis at ${describeTarget(target)}: ${why}`, { cause: e });
  } finally {
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}

/** Options of {@link enqueueSweep}. @category Queue */
export interface EnqueueSweepOptions {
  connection: RedisConnection;
  /** First retry delay of a failed job, doubled at each retry (default 10 s). */
  backoffMs?: number;
  /** Default {@link SWEEP_QUEUE}. */
  queueName?: string;
}

/** What {@link enqueueSweep} did. @category Queue */
export interface EnqueueSweepResult {
  queue: string;
  /** Jobs added now. */
  added: string[];
  /** Jobs already queued, running or done, left as they are. */
  existing: string[];
  /** Jobs that had failed: removed and added again, fresh. */
  requeued: string[];
  /** Among `existing`: jobs queued with another config (a changed spec under the same name). */
  changed: string[];
}

/**
 * Plans a sweep (every config validated first) and adds one BullMQ job per (point, seed), with
 * the job id `<sweep>:<slug>:s<seed>`: enqueueing again adds only what is missing, and adds
 * again the jobs that failed. Each job is tried `attempts` times (spec, default 3) with
 * exponential backoff and kept in Redis when done, its result with it.
 * @param spec - a validated spec (see {@link readSweepSpec})
 * @param options - the Redis connection, backoff, queue name
 * @returns what was added and what was already there
 * @throws GanError `INVALID_CONFIG` for a spec whose points do not give valid configs (nothing is
 *   enqueued); `IO_ERROR` when Redis cannot be reached (its password masked)
 * @category Queue
 */
export async function enqueueSweep(
  spec: SweepSpec,
  options: EnqueueSweepOptions,
): Promise<EnqueueSweepResult> {
  const plan = await planSweep(spec);
  const queueName = options.queueName ?? SWEEP_QUEUE;
  const attempts = spec.attempts ?? DEFAULT_ATTEMPTS;
  const backoffMs = options.backoffMs ?? 10_000;
  return withQueue(options.connection, queueName, async (queue) => {
    const out: EnqueueSweepResult = { queue: queueName, added: [], existing: [], requeued: [], changed: [] };
    const fresh: SweepJob[] = [];
    for (const job of plan.jobs) {
      const queued = await queue.getJob(job.id);
      if (queued === undefined) {
        fresh.push(job);
        out.added.push(job.id);
      } else if ((await queued.getState()) === 'failed') {
        await queued.remove();
        fresh.push(job);
        out.requeued.push(job.id);
      } else {
        out.existing.push(job.id);
        if (JSON.stringify(queued.data?.config) !== JSON.stringify(jobData(job).config))
          out.changed.push(job.id);
      }
    }
    await queue.addBulk(
      fresh.map((job) => ({
        name: job.sweep,
        data: jobData(job),
        opts: {
          jobId: job.id,
          attempts,
          backoff: { type: 'exponential', delay: backoffMs },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    return out;
  });
}

/** Options of {@link startWorker}. @category Queue */
export interface StartWorkerOptions {
  connection: RedisConnection;
  /** Where runs go: `<resultsDir>/<sweep>/<slug>-s<seed>` (default `runs/sweeps`). A shared folder lets a job resume on another machine. */
  resultsDir?: string;
  /** Jobs at once in this process (default 1; they share one tfjs engine: prefer a worker per device). */
  concurrency?: number;
  /** The compute backend of this worker's runs, replacing the spec's (a resumed run keeps its own). */
  backend?: string;
  /** CPU threads of each run. */
  threads?: number;
  /** Lines of what the worker does, each job's prefixed with its id (default: none). Passwords are masked. */
  log?: Log;
  /** How long a job's lock lasts without renewal: a killed worker's job moves on after about this (default 60 s). */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker stopped (default 30 s). */
  stalledIntervalMs?: number;
  /** Times a job may be handed on that way before it counts as failed (default 2). */
  maxStalledCount?: number;
  /** Default {@link SWEEP_QUEUE}. */
  queueName?: string;
}

/** A running worker. @category Queue */
export interface SweepWorker {
  /**
   * Stops taking jobs and waits for the running ones: a signal already stopped their training
   * at a checkpoint (they go back to the queue), otherwise they finish.
   */
  close(): Promise<void>;
}

/**
 * Starts a BullMQ worker on the sweep queue: it takes a job, checks its data again (zod and the
 * family's schema; anything else fails at once), runs it with {@link runSweepJob} (train,
 * resume from the run's last checkpoint, or reuse a finished run), reports progress, and returns
 * the result, which Redis keeps as the job's return value. A job whose worker dies is handed to
 * another once its lock runs out; one stopped by SIGINT/SIGTERM goes back to the queue at once.
 * The connection retries forever, so workers outlive a Redis restart.
 * @param options - connection, results folder, concurrency, backend, threads, log, lock timings
 * @returns the worker
 * @throws GanError `INVALID_ARGUMENT` for a malformed Redis URL
 * @category Queue
 */
export function startWorker(options: StartWorkerOptions): SweepWorker {
  const target = redisTarget(options.connection);
  const log: Log = (line) => options.log?.(maskSecret(line, target));
  const resultsDir = options.resultsDir ?? 'runs/sweeps';
  // connection problems come in bursts while Redis restarts: one line per kind every 30 s
  const said = new Map<string, number>();
  const problem = (message: string) => {
    const now = Date.now();
    if ((said.get(message) ?? 0) + 30_000 > now) return;
    said.set(message, now);
    log(`redis ${describeTarget(target)}: ${message}`);
  };
  const redis: Redis = openRedis(target, { role: 'worker', onError: problem });
  const processor = async (job: Job, token?: string): Promise<SweepJobResult> => {
    let sweepJob: SweepJob;
    try {
      sweepJob = parseQueuedJob(job.id, job.data, options.backend);
    } catch (e) {
      log(`[${job.id}] refused: ${(e as Error).message}`);
      throw new UnrecoverableError(maskSecret((e as Error).message, target));
    }
    const label = `[${sweepJob.id}]`;
    log(`${label} attempt ${job.attemptsStarted}/${job.opts.attempts ?? 1}`);
    let sentAt = 0;
    let result: SweepJobResult;
    try {
      result = await runSweepJob(sweepJob, {
        resultsDir,
        log: (line) => log(`${label} ${line}`),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        onProgress: ({ step, totalSteps }) => {
          // never awaited: training goes on while Redis is away
          if (Date.now() - sentAt < 1_000 && step !== totalSteps) return;
          sentAt = Date.now();
          job.updateProgress({ step, totalSteps }).catch(() => {});
        },
      });
    } catch (e) {
      const message = maskSecret(e instanceof Error ? e.message : String(e), target);
      log(`${label} failed: ${message}`);
      throw new Error(message);
    }
    if (result.interruptedBy) {
      log(`${label} stopped by ${result.interruptedBy} at step ${result.step}; back to the queue`);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    log(`${label} ${result.outcome}: ${JSON.stringify(result.metrics)}`);
    return result;
  };
  const worker = new Worker(options.queueName ?? SWEEP_QUEUE, processor, {
    connection: redis,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
  });
  worker.on('error', (e) => problem(maskSecret(e.message, target)));
  worker.on('stalled', (id) => log(`[${id}] its worker stopped answering; the job goes back to the queue`));
  worker.on('failed', (job, e) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      log(`[${job.id}] failed for good after ${job.attemptsMade} attempts: ${maskSecret(e.message, target)}`);
    }
  });
  return {
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}

/** Where one job of a sweep stands. @category Queue */
export interface SweepJobStatus {
  id: string;
  /** BullMQ's state (`waiting`, `active`, `delayed`, `completed`, `failed`, ...), or `missing` (not enqueued). */
  state: string;
  /** Steps done, while it trains. */
  progress?: { step: number; totalSteps: number };
  /** Tries that ended (BullMQ's `attemptsMade`): for a failed job, all of them. */
  attemptsMade: number;
  /** Why its last try failed. */
  failedReason?: string;
}

/** Where a sweep stands on the queue. @category Queue */
export interface SweepStatus {
  name: string;
  /** Jobs per state. */
  counts: Record<string, number>;
  jobs: SweepJobStatus[];
}

/** Options of {@link sweepStatus} and {@link sweepResults}. @category Queue */
export interface SweepQueueOptions {
  connection: RedisConnection;
  /** Default {@link SWEEP_QUEUE}. */
  queueName?: string;
}

const ALL_STATES = [
  'active',
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
] as const;

/** The sweep's jobs on the queue, in plan order for a spec, by id for a name; a spec's missing ones as undefined. */
async function sweepJobs(
  queue: Queue,
  sweep: SweepSpec | string,
): Promise<{ id: string; job: Job | undefined }[]> {
  if (typeof sweep !== 'string') {
    const plan = await planSweep(sweep);
    return Promise.all(plan.jobs.map(async ({ id }) => ({ id, job: await queue.getJob(id) })));
  }
  const jobs = (await queue.getJobs([...ALL_STATES])).filter((j) => j.id?.startsWith(`${sweep}:`));
  return jobs.map((job) => ({ id: job.id!, job })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Where a sweep stands on the queue: jobs per state, and each job's state, progress and, for a
 * failed one, its error.
 * @param sweep - the spec (its jobs are planned, so ones never enqueued show as `missing`) or the sweep's name
 * @param options - connection and queue name
 * @returns counts and jobs
 * @throws GanError `IO_ERROR` when Redis cannot be reached
 * @category Queue
 */
export async function sweepStatus(
  sweep: SweepSpec | string,
  options: SweepQueueOptions,
): Promise<SweepStatus> {
  const name = typeof sweep === 'string' ? sweep : sweep.name;
  return withQueue(options.connection, options.queueName ?? SWEEP_QUEUE, async (queue) => {
    const target = redisTarget(options.connection);
    const jobs: SweepJobStatus[] = [];
    for (const { id, job } of await sweepJobs(queue, sweep)) {
      const state = job ? await job.getState() : 'missing';
      const progress = job?.progress as { step?: unknown; totalSteps?: unknown } | undefined;
      jobs.push({
        id,
        state: state === 'unknown' ? 'missing' : state,
        ...(typeof progress?.step === 'number' && typeof progress.totalSteps === 'number'
          ? { progress: { step: progress.step, totalSteps: progress.totalSteps } }
          : {}),
        attemptsMade: job?.attemptsMade ?? 0,
        ...(job?.failedReason ? { failedReason: maskSecret(job.failedReason, target) } : {}),
      });
    }
    const counts: Record<string, number> = {};
    for (const j of jobs) counts[j.state] = (counts[j.state] ?? 0) + 1;
    return { name, counts, jobs };
  });
}

/**
 * The results of a sweep's completed jobs, as their workers returned them (kept in Redis, so
 * they arrive without a shared folder), in plan order for a spec.
 * @param sweep - the spec or the sweep's name
 * @param options - connection and queue name
 * @returns the results, ready for {@link summarize}
 * @throws GanError `IO_ERROR` when Redis cannot be reached
 * @category Queue
 */
export async function sweepResults(
  sweep: SweepSpec | string,
  options: SweepQueueOptions,
): Promise<SweepJobResult[]> {
  return withQueue(options.connection, options.queueName ?? SWEEP_QUEUE, async (queue) => {
    const results: SweepJobResult[] = [];
    for (const { job } of await sweepJobs(queue, sweep)) {
      if (!job || (await job.getState()) !== 'completed') continue;
      const parsed = resultSchema.safeParse(job.returnvalue);
      if (parsed.success) results.push(parsed.data as SweepJobResult);
    }
    return results;
  });
}

/**
 * A sweep's status as lines: the counts, then the jobs that are not done (progress, failures).
 * @param status - from {@link sweepStatus}
 * @returns printable lines
 * @category Queue
 */
export function formatSweepStatus(status: SweepStatus): string[] {
  const total = status.jobs.length;
  const counts = Object.entries(status.counts)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const lines = [`sweep ${status.name}: ${total} jobs${total ? `: ${counts}` : ' on the queue'}`];
  for (const j of status.jobs) {
    if (j.state === 'completed') continue;
    const progress =
      j.progress && j.state === 'active' ? ` step ${j.progress.step}/${j.progress.totalSteps}` : '';
    const tries =
      j.attemptsMade === 0
        ? ''
        : j.state === 'failed'
          ? ` after ${j.attemptsMade} attempts`
          : ` (${j.attemptsMade} attempt${j.attemptsMade > 1 ? 's' : ''} failed)`;
    const why = j.failedReason ? `: ${j.failedReason.split('\n')[0]}` : '';
    lines.push(`  ${j.id}  ${j.state}${tries}${progress}${why}`);
  }
  return lines;
}
