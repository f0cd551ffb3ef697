import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage, saveImage } from '@gankit/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, resume, sampleRun, train, translateFiles } from '../index.js';

// A cyclegan run end to end at toy size: both translators exported, the end-of-run scores,
// the sample grid, translation both ways, and exact resume with the history pools.
const tiny = (steps: number) =>
  presetConfig('cyclegan-sneakers-boots', {
    steps,
    backend: 'cpu',
    set: [
      'training.batchSize=4',
      'training.decayStart=2',
      'model.generatorFilters=4',
      'model.discriminatorFilters=4',
      'poolSize=6',
      'output.checkpointEvery=2',
      'output.sampleCount=12',
    ],
  });

let tmp: string;
let runDir: string;
let evaluation: Record<string, unknown>;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-cyclegan-'));
  runDir = path.join(tmp, 'run');
  evaluation = (await train(tiny(4), { out: runDir })).evaluation;
}, 300_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('cyclegan family', () => {
  it('exports G and F and scores both directions on the test images', () => {
    expect(existsSync(path.join(runDir, 'generator', 'model.json'))).toBe(true);
    expect(existsSync(path.join(runDir, 'generator-ba', 'model.json'))).toBe(true);
    const translation = evaluation.translation as Record<string, Record<string, number>>;
    for (const direction of ['a2b', 'b2a']) {
      const scores = translation[direction]!;
      expect(scores.images).toBe(50);
      expect(scores.classifiedAsTarget).toBeGreaterThanOrEqual(0);
      expect(scores.classifiedAsTarget).toBeLessThanOrEqual(1);
      expect(scores.cycleError).toBeGreaterThan(0);
    }
  });

  it('samples rows of x, G(x), F(G(x)), y, F(y), G(F(y))', async () => {
    const out = await sampleRun(runDir, { n: 3, seed: 1, out: path.join(tmp, 'grid.png'), backend: 'cpu' });
    const grid = await loadImage(out);
    // 3 rows of 6 frames of 32 px at scale 2
    expect(grid.width).toBeGreaterThan(6 * 64);
    expect(grid.width).toBeLessThan(7 * 64);
    expect(grid.height).toBeGreaterThan(3 * 64);
    expect(grid.height).toBeLessThan(4 * 64);
  });

  it('translates files both ways into <name>.<direction>.png of the data size', async () => {
    const input = path.join(tmp, 'shoe.png');
    await saveImage({ data: new Uint8Array(40 * 30).fill(200), width: 40, height: 30, channels: 1 }, input);
    for (const direction of ['a2b', 'b2a'] as const) {
      const [written] = await translateFiles(runDir, [input], {
        direction,
        out: path.join(tmp, 'out'),
        backend: 'cpu',
      });
      expect(written).toBe(path.join(tmp, 'out', `shoe.${direction}.png`));
      const image = await loadImage(written!);
      expect([image.width, image.height, image.channels]).toEqual([28, 28, 1]);
    }
    await expect(translateFiles(runDir, [input], { direction: 'x' as 'a2b' })).rejects.toThrow(
      'translate: direction must be a2b or b2a, got "x"',
    );
    await expect(translateFiles(runDir, [])).rejects.toThrow('translate: give at least one file');
  });

  it('resumes exactly, the history pools included', async () => {
    const split = path.join(tmp, 'split');
    await train(tiny(2), { out: split });
    await resume(split, { steps: 2 });
    const weights = (dir: string, net: string) => fs.readFile(path.join(dir, net, 'weights.bin'));
    for (const net of ['generator', 'generator-ba']) {
      expect(Buffer.compare(await weights(split, net), await weights(runDir, net)), net).toBe(0);
    }
  }, 300_000);

  it('refuses two domains of one class, naming the path', () => {
    expect(() => presetConfig('cyclegan-sneakers-boots', { set: ['data.domainB=7'] })).toThrow(
      /data\.domainB: must differ from domainA/,
    );
  });
});
