import { readFileSync } from 'node:fs';

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? Number.NaN) + (s[mid] ?? Number.NaN)) / 2;
}

/** Times `fn` `reps` times after `warmup` untimed calls; milliseconds per call. */
export async function timeIt(fn: () => Promise<unknown>, reps: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

/**
 * How many repetitions fit in `budgetMs` given one call's time, at least `min`.
 * Slow backends (pure-JS cpu) get fewer kernel repetitions, never fewer than `min`.
 */
export function repsFor(oneCallMs: number, budgetMs: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(budgetMs / Math.max(oneCallMs, 1e-3))));
}

function cpuTimes(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function ownCpuMs(): number | null {
  try {
    // fields after the command: utime and stime (all threads), in clock ticks (100 Hz)
    const f = (readFileSync('/proc/self/stat', 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * Starts measuring the CPU time that other processes use; the returned function gives it as
 * a fraction of one core over the elapsed wall time (null where /proc is unavailable). A
 * second process on a 2-core machine slows every backend, threaded ones most.
 */
export function othersMeter(): () => number | null {
  const s0 = cpuTimes();
  const m0 = ownCpuMs();
  const t0 = performance.now();
  return () => {
    const s1 = cpuTimes();
    const m1 = ownCpuMs();
    if (!s0 || !s1 || m0 === null || m1 === null) return null;
    const othersMs = (s1.busy - s0.busy) * 10 - (m1 - m0);
    return Math.max(0, othersMs / (performance.now() - t0));
  };
}

/**
 * Fraction of all CPUs busy over `ms` milliseconds (from /proc/stat; null where unavailable).
 * Other processes' load makes every number in the benchmark low, so the bench reports it.
 */
export async function cpuBusyFraction(ms = 500): Promise<number | null> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return null;
  return (b.busy - a.busy) / (b.total - a.total);
}

/** Formats a number with `digits` decimals; NaN (null after JSON) prints as n/a. */
export function fmtNum(x: number | null | undefined, digits: number): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** Formats milliseconds with sensible precision. */
export function fmtMs(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'n/a';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
