/**
 * The seed study of the latent term (the patent's claim): the latent-regularized GAN with
 * mu2 = 0.1 against mu2 = 0 and against SRGAN, each at the zoo's budget (G from the srresnet-x4
 * zoo model, then 1,000 steps), over several seeds. From the repository root:
 *   node --conditions=@gankit/source --import tsx packages/zoo/scripts/seed-study.ts \
 *     [--only ARM:SEED ...] [--write]
 * trains and scores every (arm, seed) not yet in docs/data/latent-seed-study.json (or only the
 * ones named), one at a time, adding each result to that file as it lands; `--write` then puts
 * the table of means and standard deviations into docs/super-resolution.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..', '..');
const resultsFile = path.join(root, 'docs', 'data', 'latent-seed-study.json');
const SEEDS = [0, 1, 2];

/** The zoo recipe every arm shares (see the lsrgan-x4 and srgan-x4 cards). */
const common = [
  '--steps',
  '1000',
  '--data',
  '.cache/sr-corpus',
  '--threads',
  '1',
  '--set',
  'model.filters=48',
  '--set',
  'model.residualBlocks=6',
  '--set',
  'model.batchNorm=false',
  '--set',
  'model.globalSkip=true',
  '--set',
  'data.hrSize=64',
  '--set',
  'model.initFrom=packages/zoo/models/srresnet-x4',
  '--set',
  'optimizer.learningRate=0.0001',
  '--set',
  'output.progressEvery=100',
  '--set',
  'output.sampleEvery=500',
  '--set',
  'output.checkpointEvery=250',
];
const ARMS: Record<string, { label: string; args: string[] }> = {
  lsrgan: {
    label: 'latent-regularized, mu2 = 0.1',
    args: ['--preset', 'lsrgan-x4', '--set', 'latent.norm=l1'],
  },
  'lsrgan-mu0': {
    label: 'latent-regularized, mu2 = 0',
    args: ['--preset', 'lsrgan-x4', '--set', 'latent.norm=l1', '--set', 'latent.latentWeight=0'],
  },
  srgan: {
    label: 'SRGAN',
    args: ['--preset', 'srgan-x4', '--set', 'content=l1', '--set', 'pretrainSteps=0'],
  },
};

interface Result {
  arm: string;
  seed: number;
  psnr: number;
  ssim: number;
  bicubic: { psnr: number; ssim: number };
  wallTime: string;
  command: string;
}

async function readResults(): Promise<Result[]> {
  return existsSync(resultsFile) ? JSON.parse(await fs.readFile(resultsFile, 'utf8')) : [];
}

function gankit(args: string[]): string {
  return execFileSync('pnpm', ['-s', 'gankit', ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function runOne(arm: string, seed: number): Promise<Result> {
  const out = `runs/seed-study/${arm}-s${seed}`;
  const args = ['train', ...ARMS[arm]!.args, ...common, '--out', out, '--set', `training.seed=${seed}`];
  console.log(`seed-study: ${arm} seed ${seed}: gankit ${args.join(' ')}`);
  await fs.rm(path.join(root, out), { recursive: true, force: true });
  const log = gankit(args);
  const wall = log.match(/done: step \d+ in (\S+)/)?.[1] ?? '?';
  gankit(['eval', out, '--threads', '1']);
  const ev = JSON.parse(await fs.readFile(path.join(root, out, 'eval.json'), 'utf8')) as {
    rows: { bicubic: { psnr: number; ssim: number }; model: { psnr: number; ssim: number } }[];
  };
  const mean = (f: (r: (typeof ev.rows)[number]) => number) =>
    ev.rows.reduce((s, r) => s + f(r), 0) / ev.rows.length;
  return {
    arm,
    seed,
    psnr: mean((r) => r.model.psnr),
    ssim: mean((r) => r.model.ssim),
    bicubic: { psnr: mean((r) => r.bicubic.psnr), ssim: mean((r) => r.bicubic.ssim) },
    wallTime: wall,
    command: `pnpm gankit ${args.join(' ')}`,
  };
}

const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd =
    xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : Number.NaN;
  return { m, sd };
};

/** The markdown table: one row per arm, mean and sample standard deviation over its seeds. */
export function seedStudyTable(results: Result[]): string {
  const lines = [
    '| model | seeds | PSNR (dB), mean ± std | SSIM, mean ± std | per seed (dB) |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [arm, { label }] of Object.entries(ARMS)) {
    const rs = results.filter((r) => r.arm === arm).sort((a, b) => a.seed - b.seed);
    if (rs.length === 0) continue;
    const p = stats(rs.map((r) => r.psnr));
    const s = stats(rs.map((r) => r.ssim));
    const sd = (v: number, digits: number) => (Number.isNaN(v) ? '-' : v.toFixed(digits));
    lines.push(
      `| ${label} | ${rs.map((r) => r.seed).join(', ')} | ${p.m.toFixed(2)} ± ${sd(p.sd, 2)} | ${s.m.toFixed(4)} ± ${sd(s.sd, 4)} | ${rs.map((r) => r.psnr.toFixed(2)).join(', ')} |`,
    );
  }
  const b = results[0]?.bicubic;
  if (b) lines.push(`| bicubic | - | ${b.psnr.toFixed(2)} | ${b.ssim.toFixed(4)} | - |`);
  return `${lines.join('\n')}\n`;
}

const argv = process.argv.slice(2);
const only = argv.flatMap((a, i) => (argv[i - 1] === '--only' ? [a] : []));
const results = await readResults();
const todo = Object.keys(ARMS)
  .flatMap((arm) => SEEDS.map((seed) => ({ arm, seed })))
  .filter(({ arm, seed }) =>
    only.length ? only.includes(`${arm}:${seed}`) : !results.some((r) => r.arm === arm && r.seed === seed),
  );
if (!argv.includes('--write') || only.length) {
  for (const { arm, seed } of todo) {
    const r = await runOne(arm, seed);
    const now = (await readResults()).filter((x) => !(x.arm === arm && x.seed === seed));
    await fs.mkdir(path.dirname(resultsFile), { recursive: true });
    await fs.writeFile(resultsFile, `${JSON.stringify([...now, r], null, 2)}\n`);
    console.log(
      `seed-study: ${arm} seed ${seed}: ${r.psnr.toFixed(2)} dB / ${r.ssim.toFixed(4)} in ${r.wallTime}`,
    );
  }
}
if (argv.includes('--write')) {
  const file = path.join(root, 'docs', 'super-resolution.md');
  const doc = await fs.readFile(file, 'utf8');
  const [start, end] = ['<!-- seed-study:start -->', '<!-- seed-study:end -->'];
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`seed-study: ${file} lacks the ${start} ... ${end} markers`);
  await fs.writeFile(
    file,
    `${doc.slice(0, i + start.length)}\n${seedStudyTable(await readResults())}${doc.slice(j)}`,
  );
  console.log(`seed-study: wrote the table of ${file}`);
}
