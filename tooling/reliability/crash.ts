/**
 * Crash trials: `gankit train` killed with SIGKILL at random moments (before the first
 * checkpoint, mid-write, between checkpoints), then recovered as the docs say, and compared
 * with an uninterrupted run on the cpu backend: same generator weights, same final samples, no
 * damaged or stray file. Half the trials kill the pid a user sees (the training child then
 * saves and stops); half kill the whole process group at once, as a power cut would.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setupBackend } from '@gankit/backend';
import { groupAlive, runCli, sleep, spawnCli } from './process.js';

interface Subject {
  name: string;
  supervised: boolean;
  args: string[];
}

/** Two families, one unsupervised and one supervised, small enough for many trials. */
export const SUBJECTS: Subject[] = [
  {
    name: 'gan-ring8',
    supervised: false,
    args: [
      '--preset',
      'gan-ring8',
      '--steps',
      '40',
      '--batch-size',
      '64',
      '--set',
      'output.checkpointEvery=5',
      '--set',
      'output.sampleEvery=20',
      '--set',
      'output.progressEvery=10',
    ],
  },
  {
    name: 'pix2pix-edges',
    supervised: true,
    args: [
      '--preset',
      'pix2pix-edges',
      '--steps',
      '24',
      '--batch-size',
      '4',
      '--set',
      'model.generatorFilters=4',
      '--set',
      'model.discriminatorFilters=4',
      '--set',
      'output.checkpointEvery=4',
      '--set',
      'output.sampleEvery=12',
      '--set',
      'output.progressEvery=6',
      // the end-of-run FID would cost more than the training itself
      '--set',
      'output.evalSamples=0',
    ],
  },
];

export interface CrashFigures {
  trials: number;
  resumed: number;
  identical: number;
  corrupt: number;
  failures: string[];
  concurrent: { checked: number; refused: number };
}

async function md5(file: string): Promise<string> {
  return createHash('md5')
    .update(await fs.readFile(file))
    .digest('hex');
}

/** What must match an uninterrupted run: the exported generator and the final sample grid. */
async function fingerprint(runDir: string): Promise<string> {
  return [
    await md5(path.join(runDir, 'generator', 'weights.bin')),
    await md5(path.join(runDir, 'samples', 'final.png')),
  ].join(' ');
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    out.push(p);
    if (entry.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

/**
 * Problems left in a finished run folder: temporary or lock files, checkpoints that do not
 * load, metrics lines that do not parse or do not count 1..steps once each.
 */
export async function damage(runDir: string, steps: number): Promise<string[]> {
  const problems: string[] = [];
  await setupBackend({ backend: 'cpu' });
  for (const p of await walk(runDir)) {
    const name = path.basename(p);
    if (name.includes('.tmp-') || name === '.gankit.lock') problems.push(`stray ${path.relative(runDir, p)}`);
  }
  const { CheckpointManager } = await import('@gankit/data');
  const dir = path.join(runDir, 'checkpoints');
  for (const ckpt of await new CheckpointManager(dir).list()) {
    try {
      JSON.parse(await fs.readFile(path.join(ckpt, 'state.json'), 'utf8'));
      const { loadModel } = await import('@gankit/data');
      for (const net of await fs.readdir(path.join(ckpt, 'models'))) {
        (await loadModel(path.join(ckpt, 'models', net))).dispose();
      }
    } catch (e) {
      problems.push(`checkpoint ${path.basename(ckpt)}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const lines = (await fs.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  const seen = lines.map((l) => {
    try {
      return (JSON.parse(l) as { step: number }).step;
    } catch {
      return Number.NaN;
    }
  });
  const expected = Array.from({ length: steps }, (_, i) => i + 1);
  if (seen.join(',') !== expected.join(',')) {
    problems.push(`metrics.jsonl steps are not 1..${steps} once each (${seen.length} lines)`);
  }
  return problems;
}

async function waitForGroupExit(pgid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!groupAlive(pgid)) return true;
    await sleep(50);
  }
  return false;
}

function stepsOf(subject: Subject): number {
  return Number(subject.args[subject.args.indexOf('--steps') + 1]);
}

/** A seeded generator for kill times, so a run of the harness can be repeated. */
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function crashTrials(
  trials: number,
  scratch: string,
  log: (line: string) => void,
  seed = 1,
): Promise<CrashFigures> {
  const figures: CrashFigures = {
    trials: 0,
    resumed: 0,
    identical: 0,
    corrupt: 0,
    failures: [],
    concurrent: { checked: 0, refused: 0 },
  };
  const random = mulberry32(seed);
  const common = ['--backend', 'cpu'];
  const reference = new Map<string, { print: string; ms: number }>();
  for (const subject of SUBJECTS) {
    const out = path.join(scratch, `${subject.name}-reference`);
    const r = await runCli(['train', ...subject.args, ...common, '--out', out], { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`reliability: the reference ${subject.name} run failed:\n${r.stderr}`);
    reference.set(subject.name, { print: await fingerprint(out), ms: r.ms });
    log(`crash: reference ${subject.name} (${stepsOf(subject)} steps) in ${(r.ms / 1000).toFixed(1)} s`);
  }

  for (let t = 0; t < trials; t++) {
    const subject = SUBJECTS[t % SUBJECTS.length]!;
    const ref = reference.get(subject.name)!;
    const killGroup = Math.floor(t / SUBJECTS.length) % 2 === 1;
    const out = path.join(scratch, `${subject.name}-trial-${t}`);
    const train = ['train', ...subject.args, ...common, '--out', out];
    const child = spawnCli(train);
    child.stdout!.resume();
    child.stderr!.resume();
    // uniform over the reference run's whole span, start-up and the final export included
    const at = Math.round(random() * ref.ms);
    await sleep(at);
    try {
      process.kill(killGroup ? -child.pid! : child.pid!, 'SIGKILL');
    } catch {
      // it had finished
    }
    figures.trials++;
    const label = `trial ${t} (${subject.name}, SIGKILL of the ${killGroup ? 'process group' : 'gankit pid'} at ${at} ms)`;
    if (!(await waitForGroupExit(child.pid!, 120_000))) {
      figures.failures.push(`${label}: the training child still ran 120 s after the kill`);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      continue;
    }
    // the documented recovery: resume; a run killed before it wrote its config starts over
    let r = await runCli(['resume', out], { timeoutMs: 300_000 });
    if (r.code !== 0 && /holds no run yet|no such file|is not a gankit run/.test(r.stderr)) {
      r = await runCli(train, { timeoutMs: 300_000 });
    }
    if (r.code !== 0) {
      figures.failures.push(
        `${label}: recovery failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop()}`,
      );
      continue;
    }
    figures.resumed++;
    const problems = await damage(out, stepsOf(subject));
    if (problems.length > 0) {
      figures.corrupt++;
      figures.failures.push(`${label}: ${problems.join('; ')}`);
    }
    const print = await fingerprint(out).catch(() => 'missing');
    if (print === ref.print) figures.identical++;
    else
      figures.failures.push(
        `${label}: final generator or samples differ from the uninterrupted run (${print} against ${ref.print}); kept in ${out}`,
      );
    // a failed trial's folder is kept for a look
    if (problems.length === 0 && print === ref.print) await fs.rm(out, { recursive: true, force: true });
  }

  // two processes on one run folder: the second refuses, whether it trains or resumes
  const subject = SUBJECTS[0]!;
  const out = path.join(scratch, 'concurrent');
  // long enough that the first is still training while both others start (killed below)
  const longArgs = subject.args.map((a, i) => (subject.args[i - 1] === '--steps' ? '100000' : a));
  const first = spawnCli(['train', ...longArgs, ...common, '--out', out]);
  first.stdout!.resume();
  first.stderr!.resume();
  for (let i = 0; i < 200; i++) {
    if (await fs.stat(path.join(out, 'config.json')).catch(() => undefined)) break;
    await sleep(50);
  }
  for (const second of [
    ['train', ...longArgs, ...common, '--out', out],
    ['resume', out],
  ]) {
    const r = await runCli(second, { timeoutMs: 60_000 });
    figures.concurrent.checked++;
    if (r.code !== 0 && /in use by process/.test(r.stderr)) figures.concurrent.refused++;
    else
      figures.failures.push(
        `a second '${second[0]}' on a run in progress did not refuse: ${r.stderr.trim()}`,
      );
  }
  try {
    process.kill(-first.pid!, 'SIGKILL');
  } catch {
    // finished
  }
  return figures;
}
