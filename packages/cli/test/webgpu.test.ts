// The CLI's train, sample and upscale paths on the webgpu backend (Mesa's software adapter on
// CI): every tensor read must be `await data()`, since dataSync() throws on webgpu in Node,
// and a seeded run must log the same losses as on the cpu backend.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setupBackend } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { loadImage, saveImage } from '@gankit/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCommand } from '../src/commands/sample.js';
import { trainCommand } from '../src/commands/train.js';
import { upscaleCommand } from '../src/commands/upscale.js';

/** An adapter (software included), or why there is none; CI must have one. */
async function webgpuAvailable(): Promise<string | null> {
  try {
    await setupBackend({ backend: 'webgpu' });
    return null;
  } catch (e) {
    if (!(e instanceof GanError) || e.code !== 'BACKEND_UNAVAILABLE') throw e;
    if (process.env.CI) throw new Error(`CI must run the webgpu tests, but: ${e.message}`);
    return e.message;
  }
}
const unavailable = await webgpuAvailable();

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-webgpu-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function metrics(runDir: string): Promise<Record<string, number>[]> {
  const text = await fs.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
}

/** The largest difference of every logged loss, relative to max(1, |cpu value|). */
function worstLossGap(a: Record<string, number>[], b: Record<string, number>[]): [string, number] {
  expect(a.length).toBe(b.length);
  let worst: [string, number] = ['', 0];
  for (const [i, row] of b.entries()) {
    for (const [key, value] of Object.entries(row)) {
      if (key === 'step' || key === 'time_ms') continue;
      const gap = Math.abs(a[i]![key]! - value) / Math.max(1, Math.abs(value));
      if (!(gap <= worst[1])) worst = [`step ${row.step} ${key}`, gap];
    }
  }
  return worst;
}

async function pixels(file: string): Promise<Float32Array> {
  return Float32Array.from((await loadImage(file)).data);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(unavailable !== null)('the CLI on the webgpu backend', () => {
  const log = () => {};
  const train = async (preset: string, backend: 'webgpu' | 'cpu', steps: number, batchSize: number) => {
    const lines: string[] = [];
    const out = path.join(tmp, `${preset}-${backend}`);
    const runDir = await trainCommand(
      { preset, steps, batchSize, backend, out, set: ['output.evalSamples=0'] },
      (l) => lines.push(l),
    );
    expect(lines.find((l) => l.startsWith('backend:'))).toMatch(new RegExp(`^backend: ${backend} `));
    return runDir;
  };

  it("trains a seeded DCGAN with the cpu backend's losses and samples the same grid", async () => {
    const gpuRun = await train('dcgan-fashion', 'webgpu', 4, 16);
    const cpuRun = await train('dcgan-fashion', 'cpu', 4, 16);
    const [where, gap] = worstLossGap(await metrics(gpuRun), await metrics(cpuRun));
    console.log(
      `dcgan-fashion, 4 steps: losses on webgpu and cpu differ by at most ${gap.toExponential(1)} (${where})`,
    );
    expect(gap, where).toBeLessThan(1e-3);

    const sample = (run: string, backend: 'webgpu' | 'cpu') =>
      sampleCommand({ run, n: 16, seed: 3, out: path.join(tmp, `sample-${backend}.png`), backend }, log);
    const a = await pixels(await sample(gpuRun, 'webgpu'));
    const b = await pixels(await sample(cpuRun, 'cpu'));
    // PNGs hold 8-bit values: the grids may differ by a rounding step where the weights do by 1e-6
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(2);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('trains a paired super-resolution run and upscales an image on webgpu', async () => {
    const gpuRun = await train('srresnet-x4', 'webgpu', 2, 4);
    const cpuRun = await train('srresnet-x4', 'cpu', 2, 4);
    const [where, gap] = worstLossGap(await metrics(gpuRun), await metrics(cpuRun));
    expect(gap, where).toBeLessThan(1e-3);

    const bad = path.join(tmp, 'not-an-image.png');
    await fs.writeFile(bad, 'not a png');
    const flags = { run: gpuRun, backend: 'webgpu' as const, tile: 16, overlap: 4 };
    await expect(upscaleCommand(bad, flags, log)).rejects.toThrow(bad);
    const png = path.join(tmp, 'small.png');
    const rgb = tf.randomUniform([20, 28, 3], -1, 1, 'float32', 7) as tf.Tensor3D;
    await saveImage(rgb, png);
    rgb.dispose();
    const upscale = (backend: 'webgpu' | 'cpu') =>
      upscaleCommand(png, { ...flags, backend, out: path.join(tmp, `up-${backend}.png`) }, log);
    const a = await pixels(await upscale('webgpu'));
    const b = await pixels(await upscale('cpu'));
    expect(a.length).toBe(80 * 112 * 3);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(2);
  });
});

if (unavailable !== null) {
  describe('the CLI on the webgpu backend', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
