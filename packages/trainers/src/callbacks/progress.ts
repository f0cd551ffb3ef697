import type { Callback, TrainingContext } from '../engine/callbacks.js';
import type { StepLosses } from '../engine/types.js';

/**
 * Options of {@link progressCallback}.
 * @category Callbacks
 */
export interface ProgressOptions {
  /** Print every N steps (and at the last step). Default 10. */
  every?: number;
  /** Where lines go. Default `console.log`. */
  log?: (line: string) => void;
  /** Extra text appended to each line when it returns some (e.g. the latest FID of a periodic evaluation). */
  status?: () => string | undefined;
  /**
   * Called after every step with the same figures, in place of the lines: for a live display
   * such as a terminal progress bar, which draws at its own pace.
   */
  onProgress?: (progress: ProgressInfo) => void;
}

/**
 * Where training stands after a step, as {@link ProgressOptions.onProgress} receives it.
 * @category Callbacks
 */
export interface ProgressInfo {
  step: number;
  totalSteps: number;
  /** The step's losses by name. */
  losses: StepLosses;
  /** Steps per second since this process started training (0 before the first). */
  stepsPerSecond: number;
  /** Estimated time to the last step, in milliseconds. */
  etaMs: number;
  /** The `status` text, when there is some. */
  status?: string;
}

/**
 * Formats milliseconds as `1h02m`, `3m05s` or `12s`.
 * @param ms - a duration
 * @returns short human-readable text
 * @example
 * ```ts
 * import { formatDuration } from '@gankit/trainers';
 * formatDuration(185_000); // '3m05s'
 * ```
 * @category Callbacks
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/**
 * A progress line every N steps: step, the latest losses, speed and ETA.
 * `step 120/500  d_loss 1.2345  g_loss 0.8123  2.9 step/s  ETA 2m11s`
 * @param options - how often and where to print
 * @returns the callback
 * @example
 * ```ts
 * import { progressCallback } from '@gankit/trainers';
 * const progress = progressCallback({ every: 50 });
 * ```
 * @category Callbacks
 */
export function progressCallback(options: ProgressOptions = {}): Callback {
  const every = options.every ?? 10;
  const log = options.log ?? ((line: string) => console.log(line));
  return {
    name: 'progress',
    onStepEnd(ctx: TrainingContext, losses: StepLosses) {
      const lineDue = !options.onProgress && (ctx.step % every === 0 || ctx.step === ctx.totalSteps);
      if (!lineDue && !options.onProgress) return;
      const done = ctx.step - ctx.startStep;
      const perStep = done > 0 ? ctx.elapsedMs / done : 0;
      const status = options.status?.();
      options.onProgress?.({
        step: ctx.step,
        totalSteps: ctx.totalSteps,
        losses,
        stepsPerSecond: perStep > 0 ? 1000 / perStep : 0,
        etaMs: perStep * (ctx.totalSteps - ctx.step),
        ...(status ? { status } : {}),
      });
      if (!lineDue) return;
      const width = String(ctx.totalSteps).length;
      const lossText = Object.entries(losses)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join('  ');
      const speed = perStep > 0 ? `${(1000 / perStep).toFixed(1)} step/s` : '';
      const eta = formatDuration(perStep * (ctx.totalSteps - ctx.step));
      log(
        `step ${String(ctx.step).padStart(width)}/${ctx.totalSteps}  ${lossText}  ${speed}  ETA ${eta}${status ? `  ${status}` : ''}`,
      );
    },
  };
}
