// [slow] Every gankit command in the README and the guides in docs/ (and the CLI's scripts they
// call) runs, in order, as written, with training shortened to 2 steps (SRGAN's pre-training to
// 1), each document in a scratch folder of its own. Not run here: pnpm's own tasks (CI runs
// them), the bench, pip / apt-get, and the encoders' 15-epoch classifier script.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage, saveImage } from '@gankit/data';
import { listPresets } from '@gankit/families';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/program.js';

const root = path.resolve(import.meta.dirname, '../../..');
const SHORT_STEPS = '2';
const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';

/** A shell line split into words (plain and double/single-quoted words; no other shell syntax). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The `sh` blocks' command lines of a markdown file, continuation lines joined, comments cut. */
function shellLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((b) => b.replace(/\\\n/g, ' ').split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** What a documented line runs here: gankit's arguments, a script, or nothing (not ours to run). */
type Step = { kind: 'gankit'; args: string[] } | { kind: 'script'; args: string[] };

/** `pnpm demo`'s gankit arguments, from the root package.json. */
function demoArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const demo = words((scripts as Record<string, string>).demo ?? '');
  return demo.slice(demo.indexOf('packages/cli/src/bin.ts') + 1);
}

function toStep(line: string): Step | undefined {
  // `npm i -g pnpm@10 && pnpm install && pnpm demo`: the part after the set-up
  const last = line.split('&&').at(-1)?.trim() ?? '';
  const w = words(last);
  if (w[0] === 'pnpm' && w[1] === 'demo') return { kind: 'gankit', args: [...demoArgs(), ...w.slice(2)] };
  if (w[0] === 'pnpm' && w[1] === 'gankit') return { kind: 'gankit', args: w.slice(2) };
  if (w[0] === 'node' && w.some((a) => a.startsWith('packages/cli/scripts/')))
    return { kind: 'script', args: w.slice(1) };
  return undefined;
}

/** Training shortened: --steps 2 wherever steps are taken, SR pre-training 1 step, text encoders 2, voice corpora of 4 sentences, 500 evaluation samples. */
function shortened(args: string[]): string[] {
  const out = [...args];
  const command = out[0];
  if (command !== 'train' && command !== 'resume') return out;
  const at = out.indexOf('--steps');
  if (at >= 0) out[at + 1] = SHORT_STEPS;
  else out.push('--steps', SHORT_STEPS);
  const preset = out[out.indexOf('--preset') + 1] ?? '';
  if (command === 'train' && preset.startsWith('srgan')) out.push('--set', 'pretrainSteps=1');
  // text-to-image runs pre-train their caption encoder first: 2 steps of it too
  if (command === 'train' && listPresets().some((p) => p.name === preset && p.family === 'text-to-image'))
    out.push('--set', 'textEncoder.steps=2');
  // voice runs speak their corpus and train a speaker classifier first: a few sentences and steps
  if (command === 'train' && listPresets().some((p) => p.name === preset && p.family === 'voice-conversion'))
    out.push(
      ...[
        'data.sentences=4',
        'data.parallelSentences=2',
        'speakerClassifierSteps=2',
        'audio.griffinLimIterations=4',
      ].flatMap((s) => ['--set', s]),
    );
  // image runs end with FID and friends on 10,000 samples; 500 keep the check and its cost small
  if (command === 'train') out.push('--set', 'output.evalSamples=500');
  return out;
}

const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

let scratch: string;
const cwd = process.cwd();
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-doc-commands-'));
  // the README's upscale example reads photo.jpg from the working directory
  const crop = path.join(root, 'packages/data/data/sr-crops/garden-3.png');
  await saveImage(await loadImage(crop), path.join(scratch, 'photo.jpg'));
});
afterAll(async () => {
  process.chdir(cwd);
  vi.restoreAllMocks();
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('[slow] documented commands', () => {
  for (const doc of docs) {
    const steps = shellLines(path.join(root, doc)).flatMap((line) => {
      const step = toStep(line);
      return step ? [{ line, step }] : [];
    });
    if (steps.length === 0) continue;
    it(`${doc}: ${steps.length} commands run`, async () => {
      // each document in a folder of its own, as a reader starting from its first command
      const dir = path.join(scratch, doc.replace(/[/.]/g, '-'));
      await fs.mkdir(path.join(dir, 'docs'), { recursive: true });
      // the files guides name as docs/examples/... (a sweep spec) are there too
      await fs.cp(path.join(root, 'docs', 'examples'), path.join(dir, 'docs', 'examples'), {
        recursive: true,
      });
      await fs.copyFile(path.join(scratch, 'photo.jpg'), path.join(dir, 'photo.jpg'));
      process.chdir(dir);
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        for (const { line, step } of steps) {
          if (step.kind === 'gankit') {
            const args = shortened(step.args);
            // what needs a Debian package this machine lacks (CI installs both) is skipped:
            // Debian's Fashion-MNIST, and eval's default images (python3-skimage)
            const data = args[args.indexOf('--data') + 1];
            if (args.includes('--data') && data !== 'bundled' && data !== undefined && !existsSync(data))
              continue;
            if (args[0] === 'eval' && !existsSync(SKIMAGE_DATA)) continue;
            expect(await runCli(['node', 'gankit', ...args]), line).toBe(0);
          } else {
            // scripts run in a child process from the repository (where tsx resolves), their
            // run folders and output folder the scratch folder's
            const script = step.args.map((a) =>
              a === 'docs' ? path.join(dir, 'docs') : a.replace(/(^|=)runs\//, `$1${dir}/runs/`),
            );
            const r = spawnSync(process.execPath, script, { cwd: root, encoding: 'utf8' });
            expect(r.status, `${line}\n${r.stderr}`).toBe(0);
          }
        }
      } finally {
        log.mockRestore();
      }
    }, 900_000);
  }
});
