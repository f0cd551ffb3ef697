/**
 * `pnpm bench:gpu`: the GPU mode of the benchmark. On the webgpu backend (tfjs-backend-webgpu on
 * Dawn) it times the DCGAN step of `pnpm bench` and an SRGAN step (batch 16, 96x96 HR crops, x4,
 * SRResNet 16x64, VGG19 conv5_4 content loss), then the same two steps in PyTorch on CUDA on
 * the same GPU (bench/pytorch_gpu_steps.py), and prints the ratios.
 *
 * Options: --steps N (timed steps, default 10)  --warmup N (default 3)
 *          --allow-software (run on a software adapter too: a functional check, not a benchmark)
 *          --sr-batch N --sr-hr N --sr-scale 2|4 --sr-filters N --sr-blocks N (smaller SRGAN steps)
 *          --python PATH (default python3)  --torch-device D (default cuda)  --skip-pytorch
 *          --json FILE
 *
 * It runs from source (`pnpm bench:gpu`) or from the bundle that bench/pack-gpu.mjs makes for
 * machines with no Node install (see docs/benchmarks.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBackendReport, setupBackend } from '../packages/backend/src/setup.js';
import { buildDcganBench } from './dcgan-step.js';
import { dcganStepFlops } from './flops.js';
import { buildSrganBench, SR_BENCH_SHAPE, type SrganShape } from './srgan-step.js';
import { tf } from './tf.js';
import { fmtMs, fmtNum, median } from './timing.js';

interface Args {
  steps: number;
  warmup: number;
  allowSoftware: boolean;
  sr: SrganShape;
  python: string;
  torchDevice: string;
  skipPytorch: boolean;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    steps: 10,
    warmup: 3,
    allowSoftware: false,
    sr: { ...SR_BENCH_SHAPE },
    python: 'python3',
    torchDevice: 'cuda',
    skipPytorch: false,
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? '';
    const int = (min: number) => {
      const v = Number(next());
      if (!Number.isInteger(v) || v < min) throw new Error(`bench:gpu: ${a} takes an integer >= ${min}`);
      return v;
    };
    if (a === '--steps') args.steps = int(1);
    else if (a === '--warmup') args.warmup = int(0);
    else if (a === '--allow-software') args.allowSoftware = true;
    else if (a === '--sr-batch') args.sr.batch = int(1);
    else if (a === '--sr-hr') args.sr.hrSize = int(16);
    else if (a === '--sr-scale') {
      const v = int(2);
      if (v !== 2 && v !== 4) throw new Error(`bench:gpu: --sr-scale takes 2 or 4, got ${v}`);
      args.sr.scale = v;
    } else if (a === '--sr-filters') args.sr.filters = int(1);
    else if (a === '--sr-blocks') args.sr.residualBlocks = int(1);
    else if (a === '--python') args.python = next();
    else if (a === '--torch-device') args.torchDevice = next();
    else if (a === '--skip-pytorch') args.skipPytorch = true;
    else if (a === '--json') args.json = next();
    else throw new Error(`bench:gpu: unknown option ${a}`);
  }
  if (args.sr.hrSize % 16 !== 0) throw new Error('bench:gpu: --sr-hr must be a multiple of 16');
  return args;
}

async function time(step: () => Promise<{ dLoss: number; gLoss: number }>, warmup: number, steps: number) {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  let last = { dLoss: Number.NaN, gLoss: Number.NaN };
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    last = await step(); // reads the losses back: the GPU's work is done
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), times, ...last };
}

interface TorchSide {
  ok: boolean;
  reason?: string;
  torch?: string;
  gpu?: string;
  tf32?: boolean;
  dcgan?: { medianStepMs: number; losses: [number, number] };
  srgan?: { medianStepMs: number; losses: [number, number] };
  maxMemoryMb?: number;
}

function runTorch(args: Args): TorchSide {
  const here = dirname(fileURLToPath(import.meta.url));
  const script = join(here, 'pytorch_gpu_steps.py');
  if (!existsSync(script)) return { ok: false, reason: `${script} is missing` };
  const sr = args.sr;
  try {
    const out = execFileSync(
      args.python,
      [
        script,
        '--device',
        args.torchDevice,
        '--steps',
        String(args.steps),
        '--warmup',
        String(args.warmup),
        '--sr-batch',
        String(sr.batch),
        '--sr-hr',
        String(sr.hrSize),
        '--sr-scale',
        String(sr.scale),
        '--sr-filters',
        String(sr.filters),
        '--sr-blocks',
        String(sr.residualBlocks),
      ],
      { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return JSON.parse(out.trim().split('\n').pop() ?? '') as TorchSide;
  } catch (e) {
    const msg = String((e as { stderr?: string }).stderr || e)
      .trim()
      .split('\n')
      .pop();
    return { ok: false, reason: `${args.python} ${script} failed: ${msg}` };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sr = args.sr;
  console.log('gankit bench:gpu: training steps on the webgpu backend beside PyTorch on the same GPU');
  console.log(`node ${process.version}, tfjs-core ${tf.version_core}`);
  const report = await setupBackend({ backend: 'webgpu' });
  for (const line of formatBackendReport(report)) console.log(line);
  const software = report.adapter?.software ?? true;
  const results: Record<string, unknown> = { adapter: report.adapter };
  let dcgan: Awaited<ReturnType<typeof time>> | null = null;
  let srgan: Awaited<ReturnType<typeof time>> | null = null;
  if (software && !args.allowSoftware) {
    console.log(
      'skipped the webgpu steps: the adapter is a software rasteriser, not a GPU (--allow-software runs them anyway)',
    );
  } else {
    const flops = dcganStepFlops();
    const bench = buildDcganBench();
    dcgan = await time(() => bench.step(), args.warmup, args.steps);
    bench.dispose();
    console.log(
      `\n== webgpu\n  dcgan step (batch 64, 28x28x1): ${fmtMs(dcgan.medianMs)} ms/step (median of ${args.steps}), ` +
        `${fmtNum((flops.total / dcgan.medianMs) * 1e-6, 1)} GFLOP/s; losses D ${fmtNum(dcgan.dLoss, 3)} G ${fmtNum(dcgan.gLoss, 3)}`,
    );
    const sb = buildSrganBench(sr);
    srgan = await time(() => sb.step(), Math.min(args.warmup, 2), args.steps);
    sb.dispose();
    console.log(
      `  srgan step (batch ${sr.batch}, ${sr.hrSize}x${sr.hrSize} HR, x${sr.scale}, ${sr.residualBlocks} blocks x ${sr.filters}, VGG19 conv5_4): ` +
        `${fmtMs(srgan.medianMs)} ms/step; losses D ${fmtNum(srgan.dLoss, 3)} G ${fmtNum(srgan.gLoss, 3)}`,
    );
    console.log(`  tensors alive after both: ${tf.memory().numTensors}`);
    results.webgpu = { dcgan, srgan };
  }

  let torch: TorchSide | null = null;
  console.log(`\n== pytorch (${args.torchDevice})`);
  if (args.skipPytorch) console.log('  skipped: --skip-pytorch');
  else {
    torch = runTorch(args);
    results.pytorch = torch;
    if (!torch.ok) console.log(`  skipped: ${torch.reason}`);
    else {
      console.log(
        `  torch ${torch.torch}${torch.gpu ? ` on ${torch.gpu}` : ''}, float32 (TF32 ${torch.tf32 ? 'on' : 'off'})`,
      );
      console.log(`  dcgan step: ${fmtMs(torch.dcgan?.medianStepMs ?? Number.NaN)} ms/step`);
      console.log(`  srgan step: ${fmtMs(torch.srgan?.medianStepMs ?? Number.NaN)} ms/step`);
    }
  }
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(2) : 'n/a';
  const device = args.torchDevice.startsWith('cuda') ? 'pytorch-cuda' : `pytorch-${args.torchDevice}`;
  console.log(
    `\ndcgan-step ratio gankit-webgpu/${device}: ${ratio(dcgan?.medianMs, torch?.dcgan?.medianStepMs)}`,
  );
  console.log(
    `srgan-step ratio gankit-webgpu/${device}: ${ratio(srgan?.medianMs, torch?.srgan?.medianStepMs)}`,
  );
  if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
}

await main();
