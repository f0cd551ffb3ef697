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

describe('[slow] conditional GAN: class fidelity', () => {
  it('cgan-fashion samples are classified as their requested class >= 80% of the time', async () => {
    const { runDir, evaluation, lines } = await trainPreset('cgan-fashion', tmp);
    expect(lines.join('\n')).toContain('class fidelity:');
    expect(evaluation.classFidelity.accuracy).toBeGreaterThanOrEqual(0.8);
    const grid = await loadImage(path.join(runDir, 'samples', 'final.png'));
    expect(grid.width).toBeGreaterThan(28 * 10);
  }, 1_200_000);
});
