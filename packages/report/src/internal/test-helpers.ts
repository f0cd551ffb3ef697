// Synthetic run folders for the tests.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A valid 1x1 RGBA PNG (a hand-checked byte sequence). */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** What a synthetic run folder holds; anything left out is not written. */
export interface FakeRun {
  config?: unknown;
  /** Lines of metrics.jsonl, written as given (strings) or as JSON (objects). */
  metrics?: (string | Record<string, unknown>)[];
  monitor?: (string | Record<string, unknown>)[];
  evaluation?: unknown;
  evalFile?: unknown;
  backend?: unknown;
  /** Steps to write `samples/step-XXXXXXXX.png` for. */
  sampleSteps?: number[];
  final?: boolean;
}

/** A fresh temporary folder; remove it with `fs.rm(dir, { recursive: true })`. */
export function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'gankit-report-'));
}

const jsonl = (lines: (string | Record<string, unknown>)[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

/** Writes a run folder `root/name` and returns its path. */
export async function writeFakeRun(root: string, name: string, run: FakeRun): Promise<string> {
  const dir = path.join(root, name);
  await fs.mkdir(dir, { recursive: true });
  if (run.config !== undefined) await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(run.config));
  if (run.metrics) await fs.writeFile(path.join(dir, 'metrics.jsonl'), jsonl(run.metrics));
  if (run.monitor) await fs.writeFile(path.join(dir, 'monitor.jsonl'), jsonl(run.monitor));
  if (run.evaluation !== undefined) {
    await fs.writeFile(path.join(dir, 'evaluation.json'), JSON.stringify(run.evaluation));
  }
  if (run.evalFile !== undefined)
    await fs.writeFile(path.join(dir, 'eval.json'), JSON.stringify(run.evalFile));
  if (run.backend !== undefined)
    await fs.writeFile(path.join(dir, 'backend.json'), JSON.stringify(run.backend));
  if (run.sampleSteps || run.final) await fs.mkdir(path.join(dir, 'samples'));
  for (const step of run.sampleSteps ?? []) {
    await fs.writeFile(path.join(dir, 'samples', `step-${String(step).padStart(8, '0')}.png`), TINY_PNG);
  }
  if (run.final) await fs.writeFile(path.join(dir, 'samples', 'final.png'), TINY_PNG);
  return dir;
}

/** `n` metrics lines with a d and g loss that drift smoothly, `time_ms` 10 per step. */
export function lossLines(n: number, extra: (step: number) => Record<string, number> = () => ({})) {
  return Array.from({ length: n }, (_, i) => ({
    step: i + 1,
    time_ms: (i + 1) * 10,
    d_loss: 1.4 - i / n,
    g_loss: 0.7 + i / n,
    ...extra(i + 1),
  }));
}
