/// <reference lib="dom" />
// The browser page (docs/browser), built and served over HTTP on 127.0.0.1, opened in real
// headless Chromium: zoo generators loaded with plain @tensorflow/tfjs draw the same pixels
// as `gankit sample` / `gankit upscale` in Node, the live ring GAN trains, no console errors,
// and no request leaves the local server.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadImage, type RawImage, saveImage } from '@gankit/data';
import { sampleRun, upscaleFile } from '@gankit/families';
import { zooModelDir } from '@gankit/zoo';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageState } from '../../../docs/browser/state.js';
import { CHROMIUM } from './support/chromium.js';

declare global {
  interface Window {
    gankit: PageState;
  }
}

const root = new URL('../../../', import.meta.url).pathname;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static file server for `dir` on 127.0.0.1 (a free port). */
async function serve(dir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = path.join(
      dir,
      path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''),
    );
    try {
      const body = await fs.readFile(file.endsWith(path.sep) ? path.join(file, 'index.html') : file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The RGB channels of a canvas on the page. */
async function canvasPixels(page: Page, id: string): Promise<RawImage> {
  const { width, height, data } = await page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const image = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    return { width: canvas.width, height: canvas.height, data: Array.from(image.data) };
  }, id);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * 4 + c]!;
  return { data: rgb, width, height, channels: 3 };
}

/**
 * Largest difference between the page's image and Node's, and how many values differ; Node's
 * may be `scale` times larger (sampleRun writes grids at scale 2), read at every `scale`-th pixel.
 */
function compare(pageImage: RawImage, node: RawImage, scale = 1) {
  expect([node.width, node.height]).toEqual([pageImage.width * scale, pageImage.height * scale]);
  let max = 0;
  let differing = 0;
  for (let y = 0; y < pageImage.height; y++) {
    for (let x = 0; x < pageImage.width; x++) {
      for (let c = 0; c < 3; c++) {
        const p = pageImage.data[(y * pageImage.width + x) * 3 + c]!;
        const src = (y * scale * node.width + x * scale) * node.channels + (node.channels === 1 ? 0 : c);
        const d = Math.abs(p - node.data[src]!);
        if (d > 0) differing++;
        max = Math.max(max, d);
      }
    }
  }
  return { max, differing, values: pageImage.width * pageImage.height * 3 };
}

interface Watched {
  page: Page;
  errors: string[];
  /** Requests to anywhere but the local server. */
  outside: string[];
  requests: number;
}

describe.skipIf(!CHROMIUM)('the browser page in headless Chromium', () => {
  let tmp: string;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-browser-page-'));
    const site = path.join(tmp, 'site');
    await promisify(execFile)(process.execPath, [path.join(root, 'docs/browser/build.mjs'), site], {
      cwd: root,
    });
    server = await serve(site);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  async function open(query: string, inBrowser = browser): Promise<Watched> {
    const page = await inBrowser.newPage({ viewport: { width: 1280, height: 900 } });
    const watched: Watched = { page, errors: [], outside: [], requests: 0 };
    page.on('console', (m) => {
      if (m.type() === 'error') watched.errors.push(m.text());
    });
    page.on('pageerror', (e) => watched.errors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) watched.errors.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (r) => {
      watched.requests++;
      if (!/^(data|blob):/.test(r.url()) && !r.url().startsWith(`${server.origin}/`))
        watched.outside.push(r.url());
    });
    await page.goto(`${server.origin}/index.html?${query}`);
    return watched;
  }

  /** Waits until the page has drawn samples, upscaled an image or finished training; returns its errors. */
  async function until(
    w: Watched,
    what: 'samples' | 'upscale' | 'train',
    timeout = 60_000,
  ): Promise<string[]> {
    await w.page.waitForFunction(
      (which) => {
        const g = window.gankit;
        if (!g) return false;
        const done = { samples: g.samplesDone >= 1, upscale: g.upscalesDone >= 1, train: g.train.done };
        return g.errors.length > 0 || done[which];
      },
      what,
      { timeout },
    );
    return w.page.evaluate(() => window.gankit.errors);
  }

  async function finish(w: Watched): Promise<void> {
    const errors = await w.page.evaluate(() => window.gankit.errors);
    await w.page.close();
    expect(errors).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(w.outside).toEqual([]);
    expect(w.requests).toBeGreaterThan(5);
  }

  it('samples dcgan-fashion with the pixels of gankit sample (same seed, same latents)', async () => {
    const w = await open('backend=wasm&model=dcgan-fashion&seed=1&n=16');
    expect(await until(w, 'samples')).toEqual([]);
    expect(await w.page.evaluate(() => window.gankit.backend)).toBe('wasm');
    expect(await w.page.locator('#backend').textContent()).toContain('backend: wasm');
    const grid = await canvasPixels(w.page, 'grid');
    const out = path.join(tmp, 'dcgan.png');
    await sampleRun(zooModelDir('dcgan-fashion'), { n: 16, seed: 1, out, backend: 'cpu', threads: 1 });
    const diff = compare(grid, await loadImage(out), 2);
    console.log(
      `dcgan-fashion, 16 samples: max difference ${diff.max} grey levels, ${diff.differing}/${diff.values} values differ`,
    );
    expect(diff.max).toBeLessThanOrEqual(1);
    // the grid is not blank: the generator drew clothes
    expect(new Set(grid.data).size).toBeGreaterThan(100);
    await finish(w);
  });

  it('samples one class of cgan-fashion with the pixels of gankit sample --class', async () => {
    const w = await open('backend=wasm&model=cgan-fashion&seed=3&n=12&class=7');
    expect(await until(w, 'samples')).toEqual([]);
    expect(await w.page.evaluate(() => window.gankit.samples)).toMatchObject({
      classIndex: 7,
      n: 12,
      cols: 4,
    });
    const grid = await canvasPixels(w.page, 'grid');
    const out = path.join(tmp, 'cgan.png');
    await sampleRun(zooModelDir('cgan-fashion'), {
      n: 12,
      seed: 3,
      classIndex: 7,
      out,
      backend: 'cpu',
      threads: 1,
    });
    const diff = compare(grid, await loadImage(out), 2);
    console.log(
      `cgan-fashion class 7, 12 samples: max difference ${diff.max} grey levels, ${diff.differing}/${diff.values} values differ`,
    );
    expect(diff.max).toBeLessThanOrEqual(1);
    // the latent walk drew its strip of 9 steps, and moving the slider changes the frame
    const frame = () => (document.getElementById('walk') as HTMLCanvasElement).toDataURL();
    const before = await w.page.evaluate(frame);
    await w.page.locator('#walk-t').fill('0.5');
    await w.page.waitForFunction(
      (b) => (document.getElementById('walk') as HTMLCanvasElement).toDataURL() !== b,
      before,
    );
    expect((await canvasPixels(w.page, 'walk-strip')).width).toBe(9 * 30 + 2);
    await finish(w);
  });

  it('upscales a dropped image x4 with srresnet-x4 as gankit upscale does', async () => {
    // a 40x32 crop of a bundled photo: one tile, as the CLI cuts it
    const photo = await loadImage(path.join(root, 'packages/data/data/sr-crops/aqua-1.png'));
    const [w0, h0, x0, y0] = [40, 32, 20, 30];
    const crop = new Uint8Array(w0 * h0 * 3);
    for (let y = 0; y < h0; y++) {
      const src = ((y0 + y) * photo.width + x0) * 3;
      crop.set(photo.data.subarray(src, src + w0 * 3), y * w0 * 3);
    }
    const input = path.join(tmp, 'crop.png');
    await saveImage({ data: crop, width: w0, height: h0, channels: 3 }, input);
    const w = await open('backend=wasm&n=4');
    expect(await until(w, 'samples')).toEqual([]);
    await w.page.locator('#file').setInputFiles(input);
    expect(await until(w, 'upscale')).toEqual([]);
    expect(await w.page.evaluate(() => window.gankit.upscale)).toMatchObject({
      inputWidth: 40,
      inputHeight: 32,
      width: 160,
      height: 128,
      scale: 4,
    });
    const upscaled = await canvasPixels(w.page, 'sr-output');
    const out = path.join(tmp, 'crop.x4.png');
    await upscaleFile(input, zooModelDir('srresnet-x4'), { out, backend: 'cpu', threads: 1 });
    const diff = compare(upscaled, await loadImage(out));
    console.log(
      `srresnet-x4, 40x32 -> 160x128: max difference ${diff.max} grey levels, ${diff.differing}/${diff.values} values differ`,
    );
    expect(diff.max).toBeLessThanOrEqual(2);
    const bicubic = await canvasPixels(w.page, 'sr-bicubic');
    expect([bicubic.width, bicubic.height]).toEqual([160, 128]);
    await finish(w);
  });

  it('samples dcgan-fashion on WebGPU (SwiftShader, a software adapter, asked for by name) within a grey level of Node', async (context) => {
    // Chromium offers WebGPU on SwiftShader's Vulkan with these switches; without them headless
    // Chromium has no adapter, and `auto` skips a software one
    const gpuBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan',
        '--use-vulkan=swiftshader',
      ],
    });
    try {
      const w = await open('backend=webgpu&model=dcgan-fashion&seed=1&n=16', gpuBrowser);
      const errors = await until(w, 'samples');
      if (errors.some((e) => /no adapter|not in this browser/.test(e))) {
        console.log(`WebGPU not available in this Chromium: ${errors.join('; ')}`);
        await w.page.close();
        context.skip();
      }
      expect(errors).toEqual([]);
      expect(await w.page.evaluate(() => window.gankit.backend)).toBe('webgpu');
      const grid = await canvasPixels(w.page, 'grid');
      const out = path.join(tmp, 'dcgan-webgpu.png');
      await sampleRun(zooModelDir('dcgan-fashion'), { n: 16, seed: 1, out, backend: 'cpu', threads: 1 });
      const diff = compare(grid, await loadImage(out), 2);
      console.log(
        `dcgan-fashion on WebGPU, 16 samples: max difference ${diff.max} grey levels, ${diff.differing}/${diff.values} values differ`,
      );
      expect(diff.max).toBeLessThanOrEqual(1);
      await finish(w);
    } finally {
      await gpuBrowser.close();
    }
  });

  it('trains the ring GAN live on the backend it picks itself: finite, moving losses and moving samples', async () => {
    const steps = 300;
    const w = await open(`n=4&train=${steps}`);
    expect(await until(w, 'train', 90_000)).toEqual([]);
    const state = await w.page.evaluate(() => window.gankit);
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(state.backend);
    expect(await w.page.locator('#backend').textContent()).toContain(`backend: ${state.backend}`);
    expect(state.train.step).toBe(steps);
    expect(state.train.history).toHaveLength(steps);
    for (const term of ['d_loss', 'g_loss'] as const) {
      const values = state.train.history.map((h) => h[term]!);
      expect(values.every(Number.isFinite), term).toBe(true);
      expect(new Set(values.map((v) => v.toFixed(4))).size, `${term} moves`).toBeGreaterThan(steps / 2);
    }
    const first = state.train.firstSamples!;
    const last = state.train.lastSamples!;
    expect(first).toHaveLength(last.length);
    const moved = Math.max(...first.map((v, i) => Math.abs(v - last[i]!)));
    console.log(
      `ring GAN on ${state.backend}: ${steps} steps, generated points moved by up to ${moved.toFixed(2)}`,
    );
    expect(moved).toBeGreaterThan(0.05);
    await finish(w);
  });
});
