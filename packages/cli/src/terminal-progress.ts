import type { ProgressInfo } from '@gankit/trainers';
import { formatDuration } from '@gankit/trainers';

/** The part of a terminal stream the bar needs. */
export interface TerminalStream {
  write(text: string): unknown;
  /** Width in characters, when the terminal says. */
  columns?: number;
}

/** A progress bar on one terminal line, with log lines printed above it. */
export interface TerminalProgress {
  /** Prints a line above the bar. */
  log(line: string): void;
  /** Takes the latest figures; redraws at most every `intervalMs`, and always at the last step. */
  update(progress: ProgressInfo): void;
  /** Leaves the bar's line as it is and moves below it. */
  end(): void;
}

const CLEAR_LINE = '\r\x1b[2K';
const BAR_WIDTH = 24;

/** `[██████░░░░]  30%`-style bar of `done` out of `total`. */
function bar(done: number, total: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(share * BAR_WIDTH);
  return `[${'█'.repeat(full)}${'░'.repeat(BAR_WIDTH - full)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}

/** The bar's text for one update, cut to the terminal's width. */
export function progressText(p: ProgressInfo, columns = 100): string {
  const width = String(p.totalSteps).length;
  const losses = Object.entries(p.losses)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join('  ');
  const speed = p.stepsPerSecond > 0 ? `${p.stepsPerSecond.toFixed(1)} step/s` : '';
  const eta = p.step >= p.totalSteps ? 'done' : `ETA ${formatDuration(p.etaMs)}`;
  const text = [
    `${bar(p.step, p.totalSteps)} ${String(p.step).padStart(width)}/${p.totalSteps}`,
    eta,
    speed,
    losses,
    p.status ?? '',
  ]
    .filter((part) => part !== '')
    .join('  ');
  return text.length < columns ? text : `${text.slice(0, Math.max(0, columns - 2))}…`;
}

/**
 * A progress bar for a terminal: the latest step, share done, ETA, speed and losses on one
 * line that is redrawn in place, while other lines scroll above it.
 * @param stream - a TTY stream (process.stdout)
 * @param intervalMs - the least time between redraws
 * @param now - the clock (tests pass their own)
 */
export function terminalProgress(
  stream: TerminalStream,
  intervalMs = 100,
  now: () => number = () => Date.now(),
): TerminalProgress {
  let shown: string | undefined;
  let lastDraw = -Infinity;
  const draw = (text: string) => {
    stream.write(`${CLEAR_LINE}${text}`);
    shown = text;
  };
  return {
    log(line) {
      if (shown === undefined) {
        stream.write(`${line}\n`);
        return;
      }
      stream.write(`${CLEAR_LINE}${line}\n`);
      draw(shown);
    },
    update(p) {
      const last = p.step >= p.totalSteps;
      if (!last && now() - lastDraw < intervalMs) return;
      lastDraw = now();
      // a pseudo-terminal may report 0 columns
      draw(progressText(p, stream.columns && stream.columns >= 20 ? stream.columns : 100));
      if (last) this.end();
    },
    end() {
      if (shown === undefined) return;
      stream.write('\n');
      shown = undefined;
    },
  };
}

/**
 * Whether to draw a bar: stdout is a terminal that understands cursor control, and not a CI log.
 * @param stream - the stream to draw on
 */
export function wantsProgressBar(stream: { isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY === true && process.env.TERM !== 'dumb' && !process.env.CI;
}
