/**
 * `pnpm bench:families`: one training step of each preset, as `gankit train --preset NAME` runs
 * it (the preset's networks, strategy, data, batch size and EMA on the backend `auto` picks),
 * beside the same step in PyTorch (bench/pytorch_family_steps.py). Each preset runs in its own
 * child process so that its peak RSS and start-up are its own; every process gets the malloc
 * tuning the gankit CLI runs with (MALLOC_TUNING).
 *
 * The gankit child builds the run as `createRun` does (setupBackend, then the family's build,
 * then a Trainer without a run folder or callbacks, so nothing is written) and times the
 * Trainer's own steps: a batch from the data source, the strategy's step, the losses read back,
 * the EMA update. SRGAN presets start after their pixel-loss pre-training, so the step timed is
 * the adversarial one. Then one more step runs under tf.profile to count its FLOP
 * (bench/step-flops.ts), which gives GFLOP/s for both sides.
 *
 * Options: --presets a,b,c (default: the list below)  --steps N (timed, default 10)
 *          --warmup N (untimed, default 2)  --threads N (PyTorch's, default: available cores)
 *          --timeout S (per process, default 900)  --skip-pytorch  --json FILE
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MALLOC_TUNING } from '../packages/backend/src/native/malloc.js';
import { type BackendReport, formatBackendReport, setupBackend } from '../packages/backend/src/setup.js';
import { getFamily, presetConfig } from '../packages/families/src/index.js';
import type { Callback, StepLosses } from '../packages/trainers/src/index.js';
import { Trainer } from '../packages/trainers/src/index.js';
import { QUIET_CORES } from './backend-run.js';
import { profileStepFlops } from './step-flops.js';
import { tfjsVersions } from './tf.js';
import { cpuBusyFraction, fmtMs, fmtNum, median, othersMeter } from './timing.js';

const DEFAULT_PRESETS = [
  'dcgan-fashion',
  'cgan-fashion',
  'wgan-gp-fashion',
  'hinge-sn-fashion',
  'srresnet-x4',
  'srgan-x4',
  'lsrgan-x4',
  'pix2pix-edges',
  'cyclegan-sneakers-boots',
  'lapgan-fashion',
  'gancls-fashion',
  'cyclegan-voice',
];
const RESULT_MARK = 'GANKIT_BENCH_RESULT ';
const PYTORCH_SCRIPT = fileURLToPath(new URL('./pytorch_family_steps.py', import.meta.url));
const OPENBLAS_OPENMP = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

interface Args {
  child: string | null;
  presets: string[];
  steps: number;
  warmup: number;
  threads: number;
  timeoutS: number;
  skipPytorch: boolean;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    child: null,
    presets: DEFAULT_PRESETS,
    steps: 10,
    warmup: 2,
    threads: availableParallelism(),
    timeoutS: 900,
    skipPytorch: false,
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? '';
    const int = (min: number) => {
      const v = Number(next());
      if (!Number.isInteger(v) || v < min) throw new Error(`bench:families: ${a} takes an integer >= ${min}`);
      return v;
    };
    if (a === '--child') args.child = next();
    else if (a === '--presets')
      args.presets = next()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--steps') args.steps = int(1);
    else if (a === '--warmup') args.warmup = int(0);
    else if (a === '--threads') args.threads = int(1);
    else if (a === '--timeout') args.timeoutS = int(1);
    else if (a === '--skip-pytorch') args.skipPytorch = true;
    else if (a === '--json') args.json = next();
    else throw new Error(`bench:families: unknown option ${a}`);
  }
  if (args.presets.length === 0) throw new Error('bench:families: --presets names no preset');
  return args;
}

// ---------------------------------------------------------------- child: one preset

/** What one preset's child process measured. */
interface GankitResult {
  preset: string;
  ok: boolean;
  reason?: string;
  /** Median of the timed steps, in ms. */
  msPerStep?: number;
  /** Every timed step, in ms. */
  msAll?: number[];
  /** Other processes' CPU use during each timed step, in cores (null: unknown). */
  others?: (number | null)[];
  /** Timed steps with other processes below QUIET_CORES. */
  quiet?: number;
  peakRssMb?: number;
  /** The backend `auto` chose, with its details. */
  backend?: string;
  /** setupBackend's report, as the CLI prints it. */
  setup?: string[];
  /** FLOP of one step's convolutions and matrix products (bench/step-flops.ts). */
  flopsPerStep?: number;
  flopsByKernel?: Record<string, number>;
  /** The step number the timed steps start after (SRGAN: its pre-training steps). */
  startStep?: number;
  batchSize?: number;
  /** Batches drawn per step (WGAN-GP: one per critic step). */
  batchesPerStep?: number;
  lastLosses?: StepLosses;
  /** Wall time of the set-up and build (backend, data, networks), in ms. */
  buildMs?: number;
  /** The family's build lines. */
  buildLog?: string[];
}

/** The backend in one line: its name, wasm's SIMD and threads, the native kernels. */
function describeBackend(report: BackendReport): string {
  const facts = report.details
    .filter((d) => d.startsWith('wasm SIMD') || d.startsWith('native kernels'))
    .map((d) => d.split(', for ')[0] ?? d);
  return [report.chosen, ...facts].join('; ');
}

async function child(preset: string, args: Args): Promise<GankitResult> {
  const t0 = performance.now();
  const config = presetConfig(preset, { backend: 'auto' });
  // text-to-image pre-trains its frozen caption encoder in the build (2,000 steps, ~5 minutes
  // here) and embeds the captions once: one pre-training step gives the same networks, the same
  // embeddings' shapes and so the same training step
  const textEncoder = (config as { textEncoder?: { steps: number } }).textEncoder;
  if (textEncoder !== undefined) textEncoder.steps = 1;
  const buildLog: string[] = [];
  const log = (line: string) => buildLog.push(line);
  // as createRun: the backend first (threads: setupBackend's default, every core), then the parts
  const report = await setupBackend({ backend: config.backend });
  const setup = formatBackendReport(report);
  const parts = await getFamily(config.family).build(config, log);
  const buildMs = performance.now() - t0;
  // SRGAN's first steps train G on the pixel loss alone: time the adversarial step after them
  const pretrain = (config as { pretrainSteps?: unknown }).pretrainSteps;
  const startStep = typeof pretrain === 'number' ? pretrain : 0;

  const times: number[] = [];
  const others: (number | null)[] = [];
  let lastLosses: StepLosses = {};
  let timing = false;
  let stepStart = 0;
  let meter: (() => number | null) | null = null;
  // onStepBegin runs just before the trainer's step and onStepEnd just after its losses are read
  // back and the EMA is updated: the time between is the Trainer's per-step work
  const timer: Callback = {
    name: 'bench-timer',
    onStepBegin() {
      if (!timing) return;
      meter = othersMeter();
      stepStart = performance.now();
    },
    onStepEnd(_ctx, losses) {
      lastLosses = losses;
      if (!timing) return;
      times.push(performance.now() - stepStart);
      others.push(meter?.() ?? null);
    },
  };
  // no run folder: no checkpoints; no other callbacks: no progress lines, samples or logs
  const trainer = new Trainer({
    strategy: parts.strategy,
    data: parts.data,
    steps: startStep,
    seed: config.training.seed,
    ...(config.emaDecay !== undefined ? { emaDecay: config.emaDecay } : {}),
    callbacks: [timer],
  });
  trainer.step = startStep;
  try {
    trainer.setTotalSteps(startStep + args.warmup);
    await trainer.fit();
    timing = true;
    trainer.setTotalSteps(startStep + args.warmup + args.steps);
    await trainer.fit();
    timing = false;
    // before the profiled step, which holds more memory than a plain one
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const flops = await profileStepFlops(async () => {
      trainer.setTotalSteps(trainer.step + 1);
      await trainer.fit();
    });
    const quiet = others.filter((o) => o !== null && o < QUIET_CORES).length;
    return {
      preset,
      ok: true,
      msPerStep: median(times),
      msAll: times,
      others,
      quiet,
      peakRssMb,
      backend: describeBackend(report),
      setup,
      flopsPerStep: flops.total,
      flopsByKernel: flops.byKernel,
      startStep,
      batchSize: config.training.batchSize,
      batchesPerStep: parts.strategy.batchesPerStep(),
      lastLosses,
      buildMs,
      buildLog,
    };
  } finally {
    trainer.dispose();
    parts.strategy.dispose();
  }
}

// ---------------------------------------------------------------- parent

interface ProcessOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runProcess(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ProcessOutput> {
  return new Promise((resolve) => {
    const proc = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => {
      stdout += d;
    });
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}\n${String(e)}` });
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const lastLine = (s: string) => (s.trim().split('\n').pop() ?? '').slice(0, 300);

/** The environment of every measured process (gankit's and PyTorch's), as the gankit CLI runs. */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...MALLOC_TUNING };
}

async function runGankit(preset: string, args: Args): Promise<GankitResult> {
  const script = fileURLToPath(import.meta.url);
  const argv = [
    ...process.execArgv,
    script,
    '--child',
    preset,
    '--steps',
    String(args.steps),
    '--warmup',
    String(args.warmup),
  ];
  const out = await runProcess(process.execPath, argv, childEnv(), args.timeoutS * 1000);
  const line = out.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (line) return JSON.parse(line.slice(RESULT_MARK.length)) as GankitResult;
  const why = out.signal
    ? `was killed after ${args.timeoutS} s (--timeout)`
    : `exited with ${out.code}: ${lastLine(out.stderr)}`;
  return { preset, ok: false, reason: `the benchmark process ${why}` };
}

/** What bench/pytorch_family_steps.py prints (one JSON object). */
interface PytorchResult {
  ok: boolean;
  reason?: string;
  preset?: string;
  ms_per_step?: number;
  peak_rss_mb?: number;
  [key: string]: unknown;
}

async function runPytorch(preset: string, args: Args): Promise<PytorchResult> {
  if (!existsSync(PYTORCH_SCRIPT)) return { ok: false, reason: `${PYTORCH_SCRIPT} does not exist` };
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  // as bench/run.ts: the OpenMP build of OpenBLAS first on the loader path, where installed
  const env = childEnv();
  if (existsSync(OPENBLAS_OPENMP)) {
    env.LD_LIBRARY_PATH = [OPENBLAS_OPENMP, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  const argv = [
    PYTORCH_SCRIPT,
    '--preset',
    preset,
    '--threads',
    String(Math.min(args.threads, availableParallelism())),
    '--warmup',
    String(args.warmup),
    '--steps',
    String(args.steps),
  ];
  const out = await runProcess(python, argv, env, args.timeoutS * 1000);
  const line = out.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  if (line) {
    try {
      return JSON.parse(line) as PytorchResult;
    } catch {}
  }
  const why = out.signal
    ? `was killed after ${args.timeoutS} s (--timeout)`
    : `exited with ${out.code} and no JSON result: ${lastLine(out.stderr || out.stdout)}`;
  return { ok: false, reason: `${python} ${PYTORCH_SCRIPT} ${why}` };
}

function machine(): Record<string, string> {
  let cpu = 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {}
  const v = tfjsVersions();
  return {
    cpu,
    cores: String(availableParallelism()),
    node: process.version,
    tfjs: `core ${v['tfjs-core']}, layers ${v['tfjs-layers']}, wasm ${v['tfjs-backend-wasm']}`,
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const gflops = (flops: number | undefined, ms: number | undefined) =>
  flops !== undefined && ms !== undefined ? (flops / ms) * 1e-6 : Number.NaN;

interface Row {
  preset: string;
  gankit: GankitResult;
  pytorch: PytorchResult | null;
  ratio: number | null;
}

function printTable(rows: Row[]): void {
  const header = [
    'preset',
    'gankit ms/step',
    'GFLOP/s',
    'peak RSS MB',
    'PyTorch ms/step',
    'PyTorch GFLOP/s',
    'PyTorch peak RSS',
    'ratio',
  ];
  const cells = rows.map(({ preset, gankit: g, pytorch: p, ratio }) => {
    const pOk = p?.ok === true;
    return [
      preset,
      g.ok ? fmtMs(g.msPerStep) : 'failed',
      g.ok ? fmtNum(gflops(g.flopsPerStep, g.msPerStep), 1) : 'n/a',
      g.ok ? fmtNum(g.peakRssMb, 0) : 'n/a',
      pOk ? fmtMs(p.ms_per_step) : 'n/a',
      pOk && g.ok ? fmtNum(gflops(g.flopsPerStep, p.ms_per_step), 1) : 'n/a',
      pOk ? fmtNum(p.peak_rss_mb, 0) : 'n/a',
      ratio === null ? 'n/a' : ratio.toFixed(2),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]) =>
    c.map((s, i) => (i === 0 ? pad(s, widths[i]!) : lpad(s, widths[i]!))).join(' | ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) console.log(fmt(c));
}

async function parent(args: Args): Promise<void> {
  const t0 = performance.now();
  const m = machine();
  console.log(
    `gankit bench:families: one training step per preset, ${args.warmup} warm-up + ${args.steps} timed steps`,
  );
  console.log(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}`);
  console.log(`tfjs: ${m.tfjs}`);
  console.log(
    `malloc: ${Object.entries(MALLOC_TUNING)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} in every process, gankit's and PyTorch's (as the gankit CLI runs)`,
  );
  console.log(
    'FLOP: convolutions and matrix products of one step, counted by tf.profile (bench/step-flops.ts)',
  );
  const busy = await cpuBusyFraction();
  if (busy !== null && busy > 0.15) {
    console.log(
      `warning: other processes keep ${(busy * 100).toFixed(0)}% of the CPUs busy; every number below will be low`,
    );
  }

  const rows: Row[] = [];
  let disturbed = false;
  let lastSetup: string[] | null = null;
  for (const preset of args.presets) {
    console.log(`\n== ${preset}`);
    const g = await runGankit(preset, args);
    if (!g.ok) console.log(`  gankit: failed: ${g.reason}`);
    else {
      // the whole set-up report once; after that, only when it changes
      const setup = g.setup ?? [];
      if (lastSetup === null || setup.join('\n') !== lastSetup.join('\n')) {
        for (const line of setup) console.log(`  ${line}`);
        lastSetup = setup;
      } else console.log(`  backend: ${g.backend} (as above)`);
      const times = g.msAll ?? [];
      const known = (g.others ?? []).filter((o): o is number => o !== null);
      const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
      console.log(
        `  gankit: ${fmtMs(g.msPerStep)} ms/step (median of ${times.length}, min ${fmtMs(Math.min(...times))}), ` +
          `${fmtNum(gflops(g.flopsPerStep, g.msPerStep), 1)} GFLOP/s of ${fmtNum((g.flopsPerStep ?? 0) / 1e9, 2)} GFLOP/step; ` +
          `batch ${g.batchSize}${g.batchesPerStep && g.batchesPerStep > 1 ? ` x ${g.batchesPerStep}` : ''}` +
          `${g.startStep ? `, after step ${g.startStep}` : ''}; peak RSS ${fmtNum(g.peakRssMb, 0)} MB; ` +
          `build ${fmtNum((g.buildMs ?? 0) / 1000, 1)} s`,
      );
      if (g.quiet !== undefined && g.quiet < times.length) {
        disturbed = true;
        console.log(
          `  (other processes used ${fmtNum(mean, 2)} cores on average during the timed steps; ` +
            `${g.quiet} of ${times.length} undisturbed: this number is low)`,
        );
      }
    }
    let p: PytorchResult | null = null;
    if (args.skipPytorch) console.log('  pytorch: skipped (--skip-pytorch)');
    else {
      p = await runPytorch(preset, args);
      if (!p.ok) console.log(`  pytorch: n/a (${p.reason ?? 'no reason given'})`);
      else {
        console.log(
          `  pytorch: ${fmtMs(p.ms_per_step)} ms/step, ${fmtNum(gflops(g.flopsPerStep, p.ms_per_step), 1)} GFLOP/s; ` +
            `peak RSS ${fmtNum(p.peak_rss_mb, 0)} MB`,
        );
      }
    }
    const ratio =
      g.ok && g.msPerStep && p?.ok && typeof p.ms_per_step === 'number' && p.ms_per_step > 0
        ? g.msPerStep / p.ms_per_step
        : null;
    rows.push({ preset, gankit: g, pytorch: p, ratio });
  }

  console.log('\n== summary (ms/step, lower is better; GFLOP/s of the same FLOP count on both sides)');
  printTable(rows);
  console.log(`total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (args.json) {
    writeFileSync(
      args.json,
      `${JSON.stringify(
        { machine: m, steps: args.steps, warmup: args.warmup, cpuBusy: busy, results: rows },
        null,
        2,
      )}\n`,
    );
    console.log(`results: ${args.json}`);
  }
  if (disturbed || (busy !== null && busy > 0.15)) {
    console.log('(other processes disturbed these timings: the ratios below are not meaningful; run again)');
  }
  for (const r of rows) {
    console.log(`${r.preset}-step ratio gankit/pytorch: ${r.ratio === null ? 'n/a' : r.ratio.toFixed(2)}`);
  }
}

const args = parseArgs(process.argv.slice(2));
if (args.child) {
  const preset = args.child;
  let result: GankitResult;
  try {
    result = await child(preset, args);
  } catch (e) {
    result = { preset, ok: false, reason: String(e).split('\n')[0] };
  }
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
  // the wasm backend's threads and onnxruntime keep the process alive otherwise
  process.exit(0);
} else await parent(args);
