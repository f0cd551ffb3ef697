import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage, saveImage } from '@gankit/data';
import type { SrEvalRow } from '@gankit/families';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand } from './commands/evaluate.js';
import { trainCommand } from './commands/train.js';
import { upscaleCommand } from './commands/upscale.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-supervised-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('supervised presets from the CLI', () => {
  for (const preset of ['srresnet-x4', 'srgan-x4', 'lsrgan-x4', 'pix2pix-edges']) {
    it(`${preset} trains on its bundled data and writes input/output/target grids`, async () => {
      const lines: string[] = [];
      // pix2pix ends with FID and friends: a few samples against the bundled test images keep it quick
      const set = preset.startsWith('pix2pix')
        ? ['output.evalSamples=20', 'output.evalReference=bundled']
        : [];
      const runDir = await trainCommand(
        { preset, steps: 2, batchSize: 2, backend: 'cpu', out: path.join(tmp, preset), set },
        (l) => lines.push(l),
      );
      const log = lines.join('\n');
      expect(log).toMatch(/step 2\/2 {2}/);
      expect(log).toContain('done: step 2');
      const grid = await loadImage(path.join(runDir, 'samples', 'final.png'));
      // 4 preview pairs as rows of three images
      expect(grid.width).toBeLessThan(grid.height);
      await fs.access(path.join(runDir, 'generator', 'model.json'));
    });
  }

  it('upscales an image with a trained SRResNet run, x4', async () => {
    const input = path.join(tmp, 'small.png');
    const data = new Uint8Array(30 * 20 * 3).map((_, i) => (i * 37) % 256);
    await saveImage({ data, width: 30, height: 20, channels: 3 }, input);
    const out = await upscaleCommand(
      input,
      { run: path.join(tmp, 'srresnet-x4'), tile: 16, overlap: 4, backend: 'cpu' },
      () => {},
    );
    const big = await loadImage(out);
    expect([big.width, big.height, big.channels]).toEqual([120, 80, 3]);
  });

  it('evaluates a super-resolution run against bicubic with PSNR and SSIM', async () => {
    const photo = path.join(tmp, 'photo.png');
    const data = new Uint8Array(44 * 36 * 3).map((_, i) => 128 + Math.round(100 * Math.sin(i / 50)));
    await saveImage({ data, width: 44, height: 36, channels: 3 }, photo);
    const lines: string[] = [];
    const result = await evalCommand(
      path.join(tmp, 'srresnet-x4'),
      { images: [photo], backend: 'cpu' },
      (l) => lines.push(l),
    );
    const rows = result.rows as SrEvalRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.size).toEqual([44, 36]);
    for (const v of [rows[0]!.bicubic.psnr, rows[0]!.model.psnr]) expect(v).toBeGreaterThan(5);
    expect(rows[0]!.bicubic.ssim).toBeLessThanOrEqual(1);
    expect(lines.at(-1)).toMatch(/^mean \(Y, 4-pixel border cut\) .* srresnet-x4 \d+\.\d\d dB/);
    const saved = JSON.parse(await fs.readFile(path.join(tmp, 'srresnet-x4', 'eval.json'), 'utf8'));
    expect(saved.rows[0].image).toBe('photo.png');
    // a pix2pix run is scored by its translations of the test edge maps
    const pix2pix = await evalCommand(
      path.join(tmp, 'pix2pix-edges'),
      { n: 20, stats: 'bundled', backend: 'cpu' },
      () => {},
    );
    expect(pix2pix.imageMetrics).toMatchObject({ provenance: { nFake: 20, resolution: '28x28x1' } });
  });
});
