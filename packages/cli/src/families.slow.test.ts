/**
 * [slow] The quality bars of the unsupervised and class-conditional families, trained with
 * their shipped presets exactly as `gankit train --preset <name>` does (seeded, wasm). Each
 * run takes one to several minutes; they still run in CI.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage } from '@gankit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainCommand } from './commands/train.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-families-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function train(preset: string) {
  const lines: string[] = [];
  const runDir = await trainCommand({ preset, out: path.join(tmp, preset), backend: 'wasm' }, (l) =>
    lines.push(l),
  );
  const evaluation = JSON.parse(await fs.readFile(path.join(runDir, 'evaluation.json'), 'utf8'));
  return { runDir, lines, evaluation };
}

describe('[slow] 2-D mixtures: mode coverage', () => {
  for (const preset of ['gan-ring8']) {
    it(`${preset} captures >= 7 of 8 modes with >= 70% high-quality samples and writes scatter plots`, async () => {
      const { runDir, evaluation } = await train(preset);
      const coverage = evaluation.modeCoverage;
      expect(coverage.modes).toBe(8);
      expect(coverage.modesCaptured).toBeGreaterThanOrEqual(7);
      expect(coverage.highQualityFraction).toBeGreaterThanOrEqual(0.7);
      const plot = await loadImage(path.join(runDir, 'samples', 'final.png'));
      expect([plot.width, plot.height]).toEqual([512, 512]);
    });
  }
});

describe('[slow] conditional GAN: class fidelity', () => {
  it('cgan-fashion samples are classified as their requested class >= 80% of the time', async () => {
    const { evaluation, lines } = await train('cgan-fashion');
    expect(lines.join('\n')).toContain('class fidelity:');
    expect(evaluation.classFidelity.accuracy).toBeGreaterThanOrEqual(0.8);
  });
});
