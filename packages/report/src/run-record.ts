import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';

/**
 * One line of a per-step log (`metrics.jsonl`, `monitor.jsonl`).
 * @category Run records
 */
export interface StepRow {
  /** The training step. */
  readonly step: number;
  /** Milliseconds since the training session started (`time_ms`), where logged. */
  readonly timeMs?: number | undefined;
  /** Every other finite number of the line, by key (`d_loss`, `g_loss`, `fid`, ...). */
  readonly values: Readonly<Record<string, number>>;
}

/**
 * A parsed JSON-lines log: one row per step, in step order.
 * @category Run records
 */
export interface StepLog {
  /** The rows, one per step (the last line written for a step wins), sorted by step. */
  readonly rows: readonly StepRow[];
  /** The numeric keys other than `step` and `time_ms`, in the order they first appear. */
  readonly keys: readonly string[];
  /** Lines that were not a JSON object with a numeric `step` (skipped). */
  readonly malformedLines: number;
  /** Lines replaced by a later line for the same step (a resumed or rolled-back run). */
  readonly repeatedSteps: number;
}

/**
 * A sample grid written during training (`samples/step-00000500.png`).
 * @category Run records
 */
export interface SampleFile {
  /** The step in the file name. */
  readonly step: number;
  /** The file's absolute path. */
  readonly path: string;
}

/**
 * Everything a report shows about a run folder, parsed; the files that are absent are undefined.
 * @category Run records
 */
export interface RunRecord {
  /** The run folder, absolute. */
  readonly dir: string;
  /** The folder's name, used as the run's label. */
  readonly name: string;
  /** `config.json`. */
  readonly config: Readonly<Record<string, unknown>>;
  /** `metrics.jsonl`: the loss terms per step. */
  readonly metrics?: StepLog | undefined;
  /** `monitor.jsonl`: the periodic evaluations (fid, kid, psnr, ...). */
  readonly monitor?: StepLog | undefined;
  /** `evaluation.json`: the end-of-run numbers. */
  readonly evaluation?: Readonly<Record<string, unknown>> | undefined;
  /** `eval.json`: the end-of-run numbers `gankit eval` writes (super-resolution benchmarks). */
  readonly evalFile?: Readonly<Record<string, unknown>> | undefined;
  /** `backend.json`: the backend report. */
  readonly backend?: Readonly<Record<string, unknown>> | undefined;
  /** The step sample grids, in step order. */
  readonly samples: readonly SampleFile[];
  /** `samples/final.png`, absolute, where present. */
  readonly finalSample?: string | undefined;
  /** The last step logged in `metrics.jsonl` (else `evaluation.json`'s `step`). */
  readonly stepsReached?: number | undefined;
  /**
   * Training wall time: the last `time_ms`, plus the last `time_ms` of each earlier session
   * of a resumed run (where `time_ms` starts again from zero).
   */
  readonly wallTimeMs?: number | undefined;
  /** Problems with optional files that were skipped (unreadable or invalid JSON). */
  readonly warnings: readonly string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses JSON-lines text into a {@link StepLog}: blank lines are ignored, lines that are not a
 * JSON object with a finite numeric `step` are counted and skipped, and when a step appears
 * more than once the last line for it wins.
 * @param text - the file's contents
 * @returns the rows in step order, the numeric keys, and the counts of malformed and repeated lines
 * @throws never: bad lines are counted, not thrown
 * @example
 * ```ts
 * import { parseStepLog } from '@gankit/report';
 * const log = parseStepLog('{"step":1,"d_loss":1.4}\n{"step":1,"d_loss":1.2}\nnot json\n');
 * console.log(log.rows[0]?.values.d_loss, log.malformedLines, log.repeatedSteps); // 1.2 1 1
 * ```
 * @category Run records
 */
export function parseStepLog(text: string): StepLog {
  const byStep = new Map<number, StepRow>();
  const keys = new Set<string>();
  let malformedLines = 0;
  let repeatedSteps = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      malformedLines++;
      continue;
    }
    if (!isPlainObject(parsed) || typeof parsed.step !== 'number' || !Number.isFinite(parsed.step)) {
      malformedLines++;
      continue;
    }
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (k === 'step' || k === 'time_ms' || typeof v !== 'number' || !Number.isFinite(v)) continue;
      values[k] = v;
      keys.add(k);
    }
    const timeMs =
      typeof parsed.time_ms === 'number' && Number.isFinite(parsed.time_ms) ? parsed.time_ms : undefined;
    if (byStep.has(parsed.step)) repeatedSteps++;
    byStep.set(parsed.step, { step: parsed.step, timeMs, values });
  }
  const rows = [...byStep.values()].sort((a, b) => a.step - b.step);
  return { rows, keys: [...keys], malformedLines, repeatedSteps };
}

/** Total training time of a log: `time_ms` restarts from zero in each session of a resumed run. */
function wallTime(log: StepLog | undefined): number | undefined {
  let total = 0;
  let last: number | undefined;
  for (const row of log?.rows ?? []) {
    if (row.timeMs === undefined) continue;
    if (last !== undefined && row.timeMs < last) total += last;
    last = row.timeMs;
  }
  return last === undefined ? undefined : total + last;
}

async function readOptional(file: string, warnings: string[]): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      warnings.push(`${path.basename(file)}: cannot be read (${(e as Error).message}); skipped`);
    }
    return undefined;
  }
}

async function readOptionalJson(
  file: string,
  warnings: string[],
): Promise<Record<string, unknown> | undefined> {
  const text = await readOptional(file, warnings);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) return parsed;
    warnings.push(`${path.basename(file)}: not a JSON object; skipped`);
  } catch (e) {
    warnings.push(`${path.basename(file)}: not valid JSON (${(e as Error).message}); skipped`);
  }
  return undefined;
}

async function readSamples(dir: string): Promise<{ samples: SampleFile[]; finalSample?: string }> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(dir, 'samples'));
  } catch {
    return { samples: [] };
  }
  const samples = names
    .map((name) => ({ name, match: /^step-(\d+)\.png$/i.exec(name) }))
    .filter((e) => e.match !== null)
    .map((e) => ({ step: Number(e.match![1]), path: path.join(dir, 'samples', e.name) }))
    .sort((a, b) => a.step - b.step);
  const final = names.find((n) => n.toLowerCase() === 'final.png');
  return final ? { samples, finalSample: path.join(dir, 'samples', final) } : { samples };
}

/**
 * The same as {@link readRunRecord}, with the caller's name in error messages.
 * @internal
 */
export async function readRun(fn: string, runDir: string): Promise<RunRecord> {
  const dir = path.resolve(runDir);
  let stat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stat = await fs.stat(dir);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new GanError(
      'IO_ERROR',
      missing
        ? `${fn}: run folder ${dir} does not exist`
        : `${fn}: cannot read run folder ${dir}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (!stat.isDirectory()) {
    throw new GanError('INVALID_ARGUMENT', `${fn}: expected a run folder, got the file ${dir}`);
  }
  let configText: string;
  try {
    configText = await fs.readFile(path.join(dir, 'config.json'), 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new GanError(
      missing ? 'INVALID_ARGUMENT' : 'IO_ERROR',
      missing
        ? `${fn}: ${dir} is not a gankit run folder (it has no config.json)`
        : `${fn}: cannot read ${path.join(dir, 'config.json')}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (e) {
    throw new GanError(
      'INVALID_CONFIG',
      `${fn}: ${path.join(dir, 'config.json')} is not valid JSON: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (!isPlainObject(config)) {
    throw new GanError(
      'INVALID_CONFIG',
      `${fn}: ${path.join(dir, 'config.json')} must hold a JSON object, got ${Array.isArray(config) ? 'an array' : typeof config}`,
    );
  }

  const warnings: string[] = [];
  const [metricsText, monitorText, evaluation, evalFile, backend, grids] = await Promise.all([
    readOptional(path.join(dir, 'metrics.jsonl'), warnings),
    readOptional(path.join(dir, 'monitor.jsonl'), warnings),
    readOptionalJson(path.join(dir, 'evaluation.json'), warnings),
    readOptionalJson(path.join(dir, 'eval.json'), warnings),
    readOptionalJson(path.join(dir, 'backend.json'), warnings),
    readSamples(dir),
  ]);
  const metrics = metricsText === undefined ? undefined : parseStepLog(metricsText);
  const monitor = monitorText === undefined ? undefined : parseStepLog(monitorText);
  const lastRow = metrics?.rows[metrics.rows.length - 1];
  const evalStep = evaluation?.step;
  return {
    dir,
    name: path.basename(dir),
    config,
    metrics,
    monitor,
    evaluation,
    evalFile,
    backend,
    samples: grids.samples,
    finalSample: grids.finalSample,
    stepsReached: lastRow?.step ?? (typeof evalStep === 'number' ? evalStep : undefined),
    wallTimeMs: wallTime(metrics),
    warnings,
  };
}

/**
 * Reads a gankit run folder: `config.json` (required) and, where present, `metrics.jsonl`,
 * `monitor.jsonl`, `evaluation.json`, `eval.json`, `backend.json` and the sample grids under
 * `samples/`. Malformed log lines are counted and skipped; an optional JSON file that does not
 * parse is skipped with a warning.
 * @param runDir - the run folder
 * @returns the parsed record
 * @throws GanError `IO_ERROR` when the folder does not exist or cannot be read,
 *   `INVALID_ARGUMENT` when it has no `config.json`, `INVALID_CONFIG` when that is not a JSON object
 * @example
 * ```ts
 * import { promises as fs } from 'node:fs';
 * import { readRunRecord } from '@gankit/report';
 * await fs.mkdir('run-a', { recursive: true });
 * await fs.writeFile('run-a/config.json', JSON.stringify({ preset: 'dcgan-fashion', family: 'dcgan' }));
 * await fs.writeFile('run-a/metrics.jsonl', '{"step":1,"time_ms":90,"d_loss":1.4,"g_loss":0.7}\n');
 * const run = await readRunRecord('run-a');
 * console.log(run.metrics?.keys, run.stepsReached); // [ 'd_loss', 'g_loss' ] 1
 * ```
 * @category Run records
 */
export function readRunRecord(runDir: string): Promise<RunRecord> {
  return readRun('readRunRecord', runDir);
}
