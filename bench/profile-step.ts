/**
 * `pnpm bench:profile --preset NAME`: where one training step of a preset spends its time.
 * Builds the run as bench/family-steps.ts does (setupBackend on `auto`, the family's build, a
 * Trainer without a run folder), runs warm-up steps, then profiles steps with tf.profile, whose
 * kernel records carry each kernel's own time (the wasm backend times kernels synchronously).
 * Prints the kernels grouped by name (calls, total ms, share of the step) and the part of the
 * step spent outside kernels: tfjs' engine (tape records, tensor bookkeeping), the strategy's
 * JavaScript, the data source and the EMA.
 *
 * Options: --preset NAME  --steps N (profiled, default 3)  --warmup N (default 3)  --top N (20)
 */
import { setupBackend } from '../packages/backend/src/setup.js';
import { getFamily, presetConfig } from '../packages/families/src/index.js';
import { Trainer } from '../packages/trainers/src/index.js';
import { tf } from './tf.js';
import { fmtMs } from './timing.js';

interface Args {
  preset: string;
  steps: number;
  warmup: number;
  top: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { preset: 'dcgan-fashion', steps: 3, warmup: 3, top: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? '';
    const int = (min: number) => {
      const v = Number(next());
      if (!Number.isInteger(v) || v < min) throw new Error(`bench:profile: ${a} takes an integer >= ${min}`);
      return v;
    };
    if (a === '--preset') args.preset = next();
    else if (a === '--steps') args.steps = int(1);
    else if (a === '--warmup') args.warmup = int(0);
    else if (a === '--top') args.top = int(1);
    else throw new Error(`bench:profile: unknown option ${a}`);
  }
  return args;
}

interface KernelTotal {
  calls: number;
  ms: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = presetConfig(args.preset, { backend: 'auto' });
  // as bench/family-steps.ts: one pre-training step of a frozen caption encoder (same step cost)
  const textEncoder = (config as { textEncoder?: { steps: number } }).textEncoder;
  if (textEncoder !== undefined) textEncoder.steps = 1;
  const report = await setupBackend({ backend: config.backend });
  const parts = await getFamily(config.family).build(config, () => {});
  const pretrain = (config as { pretrainSteps?: unknown }).pretrainSteps;
  const startStep = typeof pretrain === 'number' ? pretrain : 0;
  const trainer = new Trainer({
    strategy: parts.strategy,
    data: parts.data,
    steps: startStep,
    seed: config.training.seed,
    ...(config.emaDecay !== undefined ? { emaDecay: config.emaDecay } : {}),
  });
  trainer.step = startStep;
  const totals = new Map<string, KernelTotal>();
  let wallMs = 0;
  let plainMs = 0;
  try {
    trainer.setTotalSteps(startStep + args.warmup);
    await trainer.fit();
    // unprofiled steps first: the profiler's own bookkeeping makes a profiled step slower
    const t0 = performance.now();
    trainer.setTotalSteps(trainer.step + args.steps);
    await trainer.fit();
    plainMs = (performance.now() - t0) / args.steps;
    for (let s = 0; s < args.steps; s++) {
      const t1 = performance.now();
      const info = await tf.profile(async () => {
        trainer.setTotalSteps(trainer.step + 1);
        await trainer.fit();
      });
      wallMs += performance.now() - t1;
      for (const k of info.kernels) {
        // an op's scope (fusedConv2d__op around its kernel) is recorded as well: count the kernel once
        if (k.name.endsWith('__op')) continue;
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const key = `${k.name} ${k.inputShapes.map((s) => `[${s?.join(',') ?? ''}]`).join('')}`;
        const byShape = totals.get(key) ?? { calls: 0, ms: 0 };
        byShape.calls++;
        byShape.ms += ms;
        totals.set(key, byShape);
      }
    }
  } finally {
    trainer.dispose();
    parts.strategy.dispose();
  }
  const perStep = (v: number) => v / args.steps;
  const byName = new Map<string, KernelTotal>();
  for (const [key, t] of totals) {
    const name = key.split(' ')[0] ?? key;
    const n = byName.get(name) ?? { calls: 0, ms: 0 };
    n.calls += t.calls;
    n.ms += t.ms;
    byName.set(name, n);
  }
  const kernelMs = perStep([...byName.values()].reduce((a, t) => a + t.ms, 0));
  const calls = perStep([...byName.values()].reduce((a, t) => a + t.calls, 0));
  console.log(`${args.preset} on ${report.chosen}: ${fmtMs(plainMs)} ms/step unprofiled`);
  console.log(
    `profiled: ${fmtMs(perStep(wallMs))} ms/step, of which ${fmtMs(kernelMs)} ms in ${calls} kernel calls; ` +
      `${fmtMs(perStep(wallMs) - kernelMs)} ms outside kernels`,
  );
  const rows = (m: Map<string, KernelTotal>) =>
    [...m.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, args.top)
      .map(
        ([k, t]) =>
          `${fmtMs(perStep(t.ms)).padStart(8)} ms ${String(perStep(t.calls)).padStart(6)} calls ` +
          `${((100 * t.ms) / args.steps / kernelMs).toFixed(1).padStart(5)}%  ${k}`,
      );
  console.log('\nby kernel:');
  for (const r of rows(byName)) console.log(r);
  console.log('\nby kernel and input shapes:');
  for (const r of rows(totals)) console.log(r);
}

await main();
