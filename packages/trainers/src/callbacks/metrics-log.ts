import { appendFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeDirectory } from '@gankit/data';
import type { Callback, TrainingContext } from '../engine/callbacks.js';
import type { StepLosses } from '../engine/types.js';

/**
 * Options of {@link metricsLogCallback}.
 * @category Callbacks
 */
export interface MetricsLogOptions {
  /** The JSON-lines file. Default `<runDir>/metrics.jsonl`. */
  file?: string;
  /** Write every N steps. Default 1. */
  every?: number;
}

/**
 * Appends `{"step":..,"time_ms":..,"d_loss":..,...}` lines to `metrics.jsonl`, 50 at a time and
 * at every checkpoint, so the file is never behind the latest checkpoint. On a resumed run it
 * first drops lines past the resumed step (and lines that do not parse, such as one cut short
 * by a kill), so the file always describes one history.
 * @param options - file and interval
 * @returns the callback
 * @example
 * ```ts
 * import { metricsLogCallback } from '@gankit/trainers';
 * const metrics = metricsLogCallback({ every: 10 });
 * ```
 * @category Callbacks
 */
export function metricsLogCallback(options: MetricsLogOptions = {}): Callback {
  const every = options.every ?? 1;
  let file: string | undefined;
  let pending: string[] = [];
  const flush = async () => {
    if (!file || pending.length === 0) return;
    await fs.appendFile(file, pending.join(''));
    pending = [];
  };
  return {
    name: 'metrics-log',
    async onTrainBegin(ctx: TrainingContext) {
      file = options.file ?? (ctx.runDir ? path.join(ctx.runDir, 'metrics.jsonl') : undefined);
      if (!file) return;
      await makeDirectory(path.dirname(file), 'metricsLog');
      const existing = await fs.readFile(file, 'utf8').catch(() => '');
      const stepOf = (line: string) => {
        try {
          const step = (JSON.parse(line) as { step?: unknown }).step;
          return typeof step === 'number' ? step : undefined;
        } catch {
          return undefined;
        }
      };
      const kept = existing.split('\n').filter((line) => {
        const step = stepOf(line);
        return step !== undefined && step <= ctx.startStep;
      });
      await fs.writeFile(file, kept.map((l) => `${l}\n`).join(''));
    },
    async onStepEnd(ctx: TrainingContext, losses: StepLosses) {
      if (ctx.step % every !== 0) return;
      pending.push(`${JSON.stringify({ step: ctx.step, time_ms: Math.round(ctx.elapsedMs), ...losses })}\n`);
      if (pending.length >= 50) await flush();
    },
    async onTrainEnd() {
      await flush();
    },
    // called as each checkpoint is written: the lines up to its step go to disk first
    getState() {
      if (file && pending.length > 0) {
        appendFileSync(file, pending.join(''));
        pending = [];
      }
      return undefined;
    },
  };
}
