import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { loadImage } from '@gankit/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, sampleRun, train } from '../index.js';

// A lapgan run end to end at toy size: training on the padded pyramid, sampling through the
// one saved model, and the refinement grid of `gankit sample --from-level`.
let tmp: string;
let runDir: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-lapgan-'));
  runDir = path.join(tmp, 'run');
  const config = presetConfig('lapgan-fashion-conditional', {
    steps: 2,
    backend: 'cpu',
    set: [
      'training.batchSize=8',
      'model.coarseGeneratorHidden=[16]',
      'model.coarseDiscriminatorHidden=[16]',
      'model.generatorWidth=8',
      'model.discriminatorWidth=8',
      'output.evalSamples=0',
      'output.sampleCount=20',
    ],
  });
  await train(config, { out: runDir });
}, 300_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('lapgan family', () => {
  it('samples 28x28 images (the 32x32 pyramid, cropped) one row per class', async () => {
    const out = await sampleRun(runDir, { n: 20, seed: 1, out: path.join(tmp, 'grid.png'), backend: 'cpu' });
    const grid = await loadImage(out);
    // 10 rows of 2 samples, each 28 px drawn at scale 2
    expect(grid.height).toBeGreaterThan(10 * 56);
    expect(grid.width).toBeLessThan(4 * 56);
  });

  it('draws rows of one coarse start and 8 refinements with --from-level', async () => {
    const out = await sampleRun(runDir, {
      n: 16,
      seed: 1,
      fromLevel: 2,
      out: path.join(tmp, 'refine.png'),
      backend: 'cpu',
    });
    const grid = await loadImage(out);
    const { width: w, height: h } = grid;
    // 2 rows of 1 + 8 images
    expect(w).toBeGreaterThan(9 * 56);
    expect(w).toBeLessThan(10 * 56);
    expect(h).toBeGreaterThan(2 * 56);
    expect(h).toBeLessThan(3 * 56);
  });

  it('refuses a level outside the pyramid', async () => {
    const refine = (fromLevel: number) =>
      sampleRun(runDir, { n: 8, seed: 1, fromLevel, out: path.join(tmp, 'x.png'), backend: 'cpu' });
    await expect(refine(3)).rejects.toThrow(GanError);
    await expect(refine(0)).rejects.toThrow(
      'sample: --from-level must be an integer in [1, 2] for this 3-level run',
    );
  });

  it('refuses a padding that does not make the size halve cleanly, naming the path', () => {
    expect(() => presetConfig('lapgan-fashion', { set: ['model.pad=1'] })).toThrow(
      /model\.pad: imageSize \+ 2 \* pad \(30\) must be divisible by 2\^\(levels-1\) = 4/,
    );
  });
});
