/**
 * `pnpm bench`: one DCGAN training step (batch 64, 28x28x1, Adam 2e-4/0.5) on every backend
 * available here (webgpu only on a GPU adapter; `pnpm bench:gpu` is the GPU mode beside PyTorch CUDA), per-kernel GFLOP/s at the DCGAN's conv shapes, generator inference time and
 * peak RSS, then the same step in PyTorch. Each backend runs in its own child process so its
 * peak RSS and start-up are its own.
 *
 * Options: --only webgpu,native,wasm-threads,wasm,cpu  --allow-software (webgpu on a software adapter)  --steps N (timed steps, default 10, at least 10)
 *          --cpu-steps N (timed steps on the pure-JS cpu backend, default 3: ~20 s each)
 *          --threads N (wasm-threads, default: available cores)  --skip-pytorch  --json FILE
 *          --default-malloc (do not give the processes @gankit/backend's MALLOC_TUNING)
 *          --skip-families (leave out the suite of one step per preset, bench/family-steps.ts)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MALLOC_TUNING } from '../packages/backend/src/native/malloc.js';
import { type BackendOutcome, type BenchBackend, runBackend } from './backend-run.js';
import { dcganStepFlops } from './flops.js';
import { tfjsVersions } from './tf.js';
import { cpuBusyFraction, fmtMs, fmtNum } from './timing.js';

const ALL_BACKENDS: BenchBackend[] = ['webgpu', 'native', 'wasm-threads', 'wasm', 'cpu'];
const RESULT_MARK = 'GANKIT_BENCH_RESULT ';
const CHILD_TIMEOUT_MS = 300_000;

interface Args {
  child: BenchBackend | null;
  only: BenchBackend[];
  steps: number;
  cpuSteps: number;
  threads: number;
  json: string | null;
  skipPytorch: boolean;
  /** Leave out the per-preset suite (bench/family-steps.ts). */
  skipFamilies: boolean;
  allowSoftware: boolean;
  /** Leave glibc's malloc settings alone in the child processes (gankit's and PyTorch's). */
  defaultMalloc: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    child: null,
    only: ALL_BACKENDS,
    steps: 10,
    cpuSteps: 3,
    threads: availableParallelism(),
    json: null,
    skipPytorch: false,
    skipFamilies: false,
    allowSoftware: false,
    defaultMalloc: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? '';
    if (a === '--child') args.child = next() as BenchBackend;
    else if (a === '--only') args.only = next().split(',') as BenchBackend[];
    else if (a === '--steps') args.steps = Math.max(10, Number(next()) || 10);
    else if (a === '--cpu-steps') args.cpuSteps = Math.max(1, Number(next()) || 1);
    else if (a === '--threads') args.threads = Math.max(1, Number(next()) || 1);
    else if (a === '--json') args.json = next();
    else if (a === '--skip-pytorch') args.skipPytorch = true;
    else if (a === '--skip-families') args.skipFamilies = true;
    else if (a === '--allow-software') args.allowSoftware = true;
    else if (a === '--default-malloc') args.defaultMalloc = true;
  }
  const bad = args.only.filter((b) => !ALL_BACKENDS.includes(b));
  if (bad.length) throw new Error(`bench: --only takes ${ALL_BACKENDS.join(', ')}; got ${bad.join(', ')}`);
  return args;
}

// ---------------------------------------------------------------- child: one backend

async function child(args: Args): Promise<void> {
  const backend = args.child as BenchBackend;
  // The pure-JS cpu backend needs ~20 s per step: fewer steps and one call per kernel keep the
  // whole bench near 3 minutes (--cpu-steps raises it).
  const slow = backend === 'cpu';
  const outcome = await runBackend(backend, {
    steps: slow ? args.cpuSteps : args.steps,
    extraMs: slow ? 0 : 20_000,
    warmup: slow ? 1 : 3,
    threads: args.threads,
    kernelBudgetMs: slow ? 0 : 1_500,
    kernelMinReps: slow ? 1 : 10,
    inferenceReps: slow ? 3 : 10,
    allowSoftware: args.allowSoftware,
  });
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(outcome)}\n`);
}

// ---------------------------------------------------------------- parent

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
    tfjs: `core ${v['tfjs-core']}, layers ${v['tfjs-layers']}, wasm ${v['tfjs-backend-wasm']}, cpu ${v['tfjs-backend-cpu']}`,
  };
}

/**
 * Every measured process (gankit's and PyTorch's) gets the same environment: with @gankit/core's
 * MALLOC_TUNING, as the gankit CLI runs, unless --default-malloc.
 */
function childEnv(args: Args): NodeJS.ProcessEnv {
  return args.defaultMalloc ? { ...process.env } : { ...process.env, ...MALLOC_TUNING };
}

function runChild(backend: BenchBackend, args: Args): Promise<BackendOutcome> {
  const script = fileURLToPath(import.meta.url);
  const childArgs = [
    ...process.execArgv,
    script,
    '--child',
    backend,
    '--steps',
    String(args.steps),
    '--cpu-steps',
    String(args.cpuSteps),
    '--threads',
    String(args.threads),
    ...(args.allowSoftware ? ['--allow-software'] : []),
  ];
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, childArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(args),
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (line) {
        resolve(JSON.parse(line.slice(RESULT_MARK.length)) as BackendOutcome);
        return;
      }
      const why = signal
        ? `killed after ${CHILD_TIMEOUT_MS / 1000} s`
        : `exited with ${code}: ${(err.trim().split('\n').pop() ?? '').slice(0, 300)}`;
      resolve({ backend, ok: false, reason: `the benchmark process ${why}`, setup: [] });
    });
  });
}

interface PytorchResult {
  ok: boolean;
  reason?: string;
  torch?: string;
  threads?: number;
  blas?: string[];
  medianStepMs?: number;
  medianInferMs?: number;
  losses?: [number, number];
  maxRssKb?: number;
  others?: (number | null)[];
  quiet?: number;
  quietMedian?: boolean;
  stepMs?: number[];
}

const OPENBLAS_OPENMP = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

function runPytorch(steps: number, threads: number, baseEnv: NodeJS.ProcessEnv): PytorchResult {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const script = fileURLToPath(new URL('./pytorch_dcgan_step.py', import.meta.url));
  // Debian's default libblas alternative is openblas-pthread (or the slow reference BLAS);
  // putting the OpenMP build first on the loader path selects it without touching the system.
  const env = { ...baseEnv };
  if (existsSync(OPENBLAS_OPENMP)) {
    env.LD_LIBRARY_PATH = [OPENBLAS_OPENMP, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  try {
    const out = execFileSync(
      python,
      [script, '--threads', String(threads), '--steps', String(steps), '--warmup', '3'],
      { env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const line = out.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as PytorchResult;
  } catch (e) {
    const msg = String((e as { stderr?: string }).stderr || e)
      .trim()
      .split('\n')
      .pop();
    return { ok: false, reason: `${python} ${script} failed: ${msg}` };
  }
}

function otherBackends(): string[] {
  const req = createRequire(new URL('../packages/backend/package.json', import.meta.url));
  const lines: string[] = [];
  for (const [name, pkg] of [
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
    ['tensorflow', '@tensorflow/tfjs-node'],
  ] as const) {
    let installed = true;
    try {
      req.resolve(pkg);
    } catch {
      installed = false;
    }
    lines.push(
      installed
        ? `skipped ${name}: ${pkg} is installed but this benchmark covers the CPU backends only`
        : `skipped ${name}: ${pkg} is not installed here`,
    );
  }
  return lines;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

async function parent(args: Args): Promise<void> {
  const t0 = performance.now();
  const m = machine();
  const flops = dcganStepFlops();
  console.log('gankit bench: one DCGAN training step, batch 64, 28x28x1, Adam(2e-4, 0.5)');
  console.log(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}`);
  console.log(`tfjs: ${m.tfjs}`);
  console.log(
    args.defaultMalloc
      ? "malloc: glibc's defaults in every process (--default-malloc)"
      : `malloc: ${Object.entries(MALLOC_TUNING)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} in every process, gankit's and PyTorch's (as the gankit CLI runs)`,
  );
  console.log(
    `step FLOP (analytic, see bench/flops.ts): ${(flops.total / 1e9).toFixed(2)} GFLOP ` +
      `(D update ${(flops.dUpdate / 1e9).toFixed(2)}, G update ${(flops.gUpdate / 1e9).toFixed(2)})`,
  );
  const busy = await cpuBusyFraction();
  if (busy !== null && busy > 0.15) {
    console.log(
      `warning: other processes keep ${(busy * 100).toFixed(0)}% of the CPUs busy; every number below will be low`,
    );
  }
  for (const line of otherBackends()) console.log(line);

  const results: BackendOutcome[] = [];
  for (const backend of args.only) {
    console.log(`\n== ${backend}`);
    const r = await runChild(backend, args);
    results.push(r);
    for (const line of r.setup) console.log(`  ${line}`);
    if (!r.ok) {
      console.log(`  skipped: ${r.reason}`);
      continue;
    }
    const s = r.step;
    if (s) {
      const basis = s.quietMedian
        ? `median of ${s.quiet} undisturbed of ${s.times.length} timed`
        : `median of ${s.times.length} timed`;
      console.log(
        `  dcgan step: ${fmtMs(s.medianMs)} ms/step (${basis}, min ${fmtMs(Math.min(...s.times))}), ` +
          `${fmtNum((flops.total / s.medianMs) * 1e-6, 1)} GFLOP/s; losses D ${fmtNum(s.dLoss, 3)} G ${fmtNum(s.gLoss, 3)}`,
      );
      if (s.times.length < 10) {
        console.log(`  (only ${s.times.length} timed steps on this slow backend; --cpu-steps 10 for more)`);
      }
      if (!s.quietMedian) {
        const known = s.others.filter((o): o is number => o !== null);
        const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
        console.log(
          `  (other processes used ${fmtNum(mean, 2)} cores on average meanwhile: this number is low)`,
        );
      }
    } else if (r.stepError) console.log(`  dcgan step failed: ${r.stepError}`);
    if (r.inference) {
      console.log(
        `  generator inference: ${fmtNum(r.inference.medianMs / 64, 3)} ms/image (${fmtMs(r.inference.medianMs)} ms per batch of 64)`,
      );
    }
    for (const k of r.kernels ?? []) {
      console.log(
        `  ${pad(k.kernel, 21)} ${pad(k.shape, 34)} ${lpad(fmtMs(k.ms), 7)} ms ${lpad(fmtNum(k.gflops, 1), 6)} GFLOP/s  (${k.where}, n=${k.reps})`,
      );
    }
    console.log(`  peak RSS: ${fmtNum((r.maxRssKb ?? Number.NaN) / 1024, 0)} MB`);
  }

  let torch: PytorchResult | null = null;
  console.log('\n== pytorch');
  if (args.skipPytorch) console.log('  skipped: --skip-pytorch');
  else {
    torch = runPytorch(args.steps, Math.min(args.threads, availableParallelism()), childEnv(args));
    if (!torch.ok) {
      console.log(`  skipped: ${torch.reason ?? 'unknown failure'}`);
      console.log('  (install with: apt-get install -y python3-torch libopenblas0-openmp)');
    } else {
      const blas = (torch.blas ?? []).find((p) => p.includes('libblas')) ?? 'none mapped';
      console.log(`  torch ${torch.torch}, ${torch.threads} threads, BLAS ${blas}`);
      console.log(
        `  dcgan step: ${fmtMs(torch.medianStepMs ?? Number.NaN)} ms/step, ` +
          `${fmtNum((flops.total / (torch.medianStepMs ?? Number.NaN)) * 1e-6, 1)} GFLOP/s; ` +
          `generator inference ${fmtNum((torch.medianInferMs ?? Number.NaN) / 64, 3)} ms/image; ` +
          `peak RSS ${((torch.maxRssKb ?? 0) / 1024).toFixed(0)} MB`,
      );
      const n = torch.stepMs?.length ?? 0;
      console.log(
        torch.quietMedian
          ? `  (median of ${torch.quiet} undisturbed of ${n} timed steps)`
          : `  (median of ${n} timed steps; other processes were busy meanwhile: this number is low)`,
      );
    }
  }

  // the suite of every preset family's step, in processes of its own; the DCGAN ratio stays last
  if (!args.skipFamilies) {
    console.log('\n== one training step of each preset (bench/family-steps.ts)');
    spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(new URL('./family-steps.ts', import.meta.url)),
        ...(args.skipPytorch ? ['--skip-pytorch'] : []),
      ],
      { stdio: 'inherit' },
    );
  }

  // gankit's default CPU path: what setupBackend('auto') gives here (native convolutions when
  // onnxruntime-node is installed, wasm threads when they start)
  const ok = (b: BenchBackend) => results.find((r) => r.backend === b && r.ok && r.step);
  // (webgpu is the GPU path; on a software adapter it is never the default)
  const best = ok('native') ?? ok('wasm-threads') ?? ok('wasm') ?? ok('cpu');
  console.log('\n== summary (ms/step, lower is better)');
  for (const r of results) {
    console.log(`  ${pad(r.backend, 13)} ${r.ok && r.step ? `${fmtMs(r.step.medianMs)} ms` : 'n/a'}`);
  }
  if (torch?.ok) console.log(`  ${pad('pytorch', 13)} ${fmtMs(torch.medianStepMs ?? Number.NaN)} ms`);
  console.log(`  total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (args.json) {
    writeFileSync(
      args.json,
      `${JSON.stringify({ machine: m, flops, cpuBusy: busy, results, torch }, null, 2)}\n`,
    );
  }
  if (best?.step) console.log(`gankit default CPU path: ${best.backend}`);
  if ((best?.step && !best.step.quietMedian) || (torch?.ok && !torch.quietMedian)) {
    console.log('(other processes disturbed these timings: the ratio below is not meaningful; run again)');
  }
  const ratio =
    best?.step && torch?.ok && torch.medianStepMs ? best.step.medianMs / torch.medianStepMs : null;
  console.log(`dcgan-step ratio gankit/pytorch: ${ratio === null ? 'n/a' : ratio.toFixed(2)}`);
}

const args = parseArgs(process.argv.slice(2));
if (args.child) await child(args);
else await parent(args);
