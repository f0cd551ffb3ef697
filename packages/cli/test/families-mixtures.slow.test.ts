// [slow] A quality bar of a family, trained with its shipped preset; minutes long, still run in CI.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage } from '@gankit/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainPreset } from './train-preset.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-families-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('[slow] 2-D mixtures: mode coverage', () => {
  for (const preset of ['gan-ring8', 'wgan-gp-ring8']) {
    it(`${preset} captures >= 7 of 8 modes with >= 70% high-quality samples and writes scatter plots`, async () => {
      const { runDir, evaluation } = await trainPreset(preset, tmp);
      const coverage = evaluation.modeCoverage;
      expect(coverage.modes).toBe(8);
      expect(coverage.modesCaptured).toBeGreaterThanOrEqual(7);
      expect(coverage.highQualityFraction).toBeGreaterThanOrEqual(0.7);
      const plot = await loadImage(path.join(runDir, 'samples', 'final.png'));
      expect([plot.width, plot.height]).toEqual([512, 512]);
    }, 900_000);
  }
});
