import { appendFile } from 'node:fs/promises';
import type { Callback, Trainer } from '@gankit/trainers';
import type { Log } from '../family.js';

/** The latest values of a run's monitor, for the progress line. */
export interface MonitorCallback extends Callback {
  /** `FID 41.2 @2000`-style text of the latest values, or undefined before the first. */
  status(): string | undefined;
}

/**
 * Calls a family's `monitor` every `every` steps (not at the last step: the end-of-run
 * evaluation scores that one), logs the values, appends them to `file` as JSON lines and
 * keeps the latest for the progress line; the latest survives a resume through the checkpoint.
 */
export function monitorCallback(options: {
  every: number;
  trainer: () => Trainer;
  monitor: (trainer: Trainer) => Promise<Record<string, number>>;
  file: string;
  log: Log;
}): MonitorCallback {
  let latest: { step: number; values: Record<string, number> } | undefined;
  const text = (values: Record<string, number>) =>
    Object.entries(values)
      .map(([k, v]) => `${k.toUpperCase()} ${v.toFixed(2)}`)
      .join('  ');
  return {
    name: 'monitor',
    async onStepEnd(ctx) {
      if (ctx.step % options.every !== 0 || ctx.step >= ctx.totalSteps) return;
      const values = await options.monitor(options.trainer());
      latest = { step: ctx.step, values };
      options.log(`eval at step ${ctx.step}: ${text(values)}`);
      await appendFile(options.file, `${JSON.stringify({ step: ctx.step, ...values })}\n`);
    },
    status: () => (latest ? `${text(latest.values)} @${latest.step}` : undefined),
    getState: () => latest ?? null,
    setState(state) {
      latest = (state as typeof latest | null) ?? undefined;
    },
  };
}
