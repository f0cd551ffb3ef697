import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { trainCommand } from '../src/commands/train.js';

/**
 * Trains a shipped preset exactly as `gankit train --preset <name>` does (seeded, wasm, one
 * thread: the slow test files run side by side on two cores) and returns its evaluation.json.
 */
export async function trainPreset(preset: string, dir: string) {
  const lines: string[] = [];
  const runDir = await trainCommand(
    // 2,000 samples for the end-of-run FID instead of 10,000: the figure is not what these tests check
    { preset, out: path.join(dir, preset), backend: 'wasm', threads: 1, set: ['output.evalSamples=2000'] },
    (l) => lines.push(l),
  );
  const evaluation = JSON.parse(await fs.readFile(path.join(runDir, 'evaluation.json'), 'utf8'));
  return { runDir, lines, evaluation };
}
