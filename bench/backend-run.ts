import { registerTrainingKernels } from '../packages/backend/src/kernels/index.js';
import { formatBackendReport, setupBackend } from '../packages/backend/src/setup.js';
import { wasmThreadsStatus } from '../packages/backend/src/threads/index.js';
import { buildDcganBench } from './dcgan-step.js';
import { benchKernels, type KernelResult } from './kernels.js';
import { median, othersMeter, timeIt } from './timing.js';

/** Other processes' CPU use (in cores) below which a timed step counts as undisturbed. */
export const QUIET_CORES = 0.1;

/**
 * The backends the bench knows: webgpu; wasm with native kernels (onnxruntime-node) for the
 * convolutions, products, batch norm and LeakyReLU gradient; wasm with threads, and
 * single-threaded, on XNNPACK alone; pure-JS cpu.
 */
export type BenchBackend = 'webgpu' | 'native' | 'wasm-threads' | 'wasm' | 'cpu';

/** Everything one backend's child process measured. */
export interface BackendOutcome {
  backend: BenchBackend;
  ok: boolean;
  reason?: string;
  /** Lines describing the backend set-up (chosen backend, threads, kernels). */
  setup: string[];
  step?: {
    /** Median over the quiet steps when there are enough of them, else over all timed steps. */
    medianMs: number;
    /** Every timed step, in order. */
    times: number[];
    /** CPU other processes used during each timed step, in cores (null: unknown). */
    others: (number | null)[];
    /** How many timed steps had other processes below {@link QUIET_CORES}. */
    quiet: number;
    /** Whether medianMs is over the quiet steps only. */
    quietMedian: boolean;
    dLoss: number;
    gLoss: number;
  };
  stepError?: string;
  inference?: { medianMs: number; times: number[] };
  kernels?: KernelResult[];
  maxRssKb?: number;
}

function registerGankitKernels(backend: 'wasm' | 'cpu'): string[] {
  // idempotent: setupBackend may already have registered them
  const r = registerTrainingKernels(backend);
  if (!r.changed) return [];
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');
  return [`gankit training kernels for ${backend}: added ${list(r.added)}; replaced ${list(r.replaced)}`];
}

async function setup(
  backend: BenchBackend,
  threads: number,
  allowSoftware: boolean,
): Promise<{ lines: string[]; skip?: string }> {
  if (backend === 'webgpu') {
    const report = await setupBackend({ backend: 'webgpu' });
    const lines = formatBackendReport(report);
    if (report.adapter?.software && !allowSoftware) {
      return {
        lines,
        skip: `the only WebGPU adapter here is a software rasteriser (${report.adapter.softwareReason}); --allow-software times it anyway`,
      };
    }
    return { lines };
  }
  // wasm starts threaded or explicitly single-threaded, whatever setupBackend's default; only
  // 'native' runs the heavy kernels on onnxruntime (with `threads` threads; setupBackend keeps
  // its wasm build single-threaded), the others time tfjs and gankit alone
  const nativeKernels = backend === 'native';
  const report = await setupBackend(
    backend === 'cpu'
      ? { backend: 'cpu', nativeKernels }
      : { backend: 'wasm', threads: backend === 'wasm' ? 1 : threads, nativeKernels },
  );
  const lines = [
    ...formatBackendReport(report),
    ...registerGankitKernels(backend === 'cpu' ? 'cpu' : 'wasm'),
  ];
  if (backend === 'native' && !report.details.some((d) => d.startsWith('native kernels: onnxruntime'))) {
    return { lines, skip: 'native kernels are not in use here (see the lines above)' };
  }
  if (backend === 'wasm-threads' && !wasmThreadsStatus().active) {
    return { lines, skip: 'wasm threads are not in use here (see the line above)' };
  }
  return { lines };
}

/** How much to measure: the pure-JS cpu backend takes ~20 s per step, so it gets less. */
export interface RunOptions {
  /** Timed steps after the warm-up ones (quiet ones, when the machine allows). */
  steps: number;
  /** Extra time to spend timing more steps while other processes spoil them. */
  extraMs: number;
  /** Untimed steps first (kernel set-up, JIT). */
  warmup: number;
  /** Threads for wasm-threads. */
  threads: number;
  /** Time budget per kernel and the least number of timed calls. */
  kernelBudgetMs: number;
  kernelMinReps: number;
  /** Generator inference calls timed. */
  inferenceReps: number;
  /** Time webgpu on a software adapter too. */
  allowSoftware: boolean;
}

/**
 * Runs the whole measurement for one backend in this process: set-up, the DCGAN step
 * (warm-up steps, then timed ones), generator inference, per-kernel timings, peak RSS.
 */
export async function runBackend(backend: BenchBackend, options: RunOptions): Promise<BackendOutcome> {
  let lines: string[] = [];
  try {
    const s = await setup(backend, options.threads, options.allowSoftware);
    lines = s.lines;
    if (s.skip) return { backend, ok: false, reason: s.skip, setup: lines };
  } catch (e) {
    return { backend, ok: false, reason: String(e).split('\n')[0], setup: lines };
  }
  const outcome: BackendOutcome = { backend, ok: true, setup: lines };
  const bench = buildDcganBench();
  try {
    let last = { dLoss: Number.NaN, gLoss: Number.NaN };
    const stepOnce = async () => {
      last = await bench.step();
    };
    await timeIt(stepOnce, 0, options.warmup);
    const times: number[] = [];
    const others: (number | null)[] = [];
    const isQuiet = (o: number | null) => o !== null && o < QUIET_CORES;
    // On a shared machine keep timing (within extraMs) until `steps` steps ran undisturbed.
    const t0 = performance.now();
    while (
      times.length < options.steps ||
      (others.filter(isQuiet).length < options.steps && performance.now() - t0 < options.extraMs)
    ) {
      const meter = othersMeter();
      const s = performance.now();
      await stepOnce();
      times.push(performance.now() - s);
      others.push(meter());
    }
    if (!Number.isFinite(last.dLoss) || !Number.isFinite(last.gLoss)) {
      throw new Error(`non-finite losses D ${last.dLoss} G ${last.gLoss}`);
    }
    const quietTimes = times.filter((_, i) => isQuiet(others[i] ?? null));
    const quietMedian = quietTimes.length >= Math.min(5, options.steps);
    outcome.step = {
      medianMs: median(quietMedian ? quietTimes : times),
      times,
      others,
      quiet: quietTimes.length,
      quietMedian,
      ...last,
    };
  } catch (e) {
    outcome.stepError = String(e).split('\n')[0];
  }
  try {
    const times = await timeIt(() => bench.generate(), options.inferenceReps, 2);
    outcome.inference = { medianMs: median(times), times };
  } catch {}
  bench.dispose();
  outcome.kernels = await benchKernels(options.kernelBudgetMs, options.kernelMinReps);
  outcome.maxRssKb = process.resourceUsage().maxRSS;
  return outcome;
}
