/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The run report of a dcgan-fashion and of an srgan-x4 run, opened in real headless Chromium:
// no console errors, no network requests, charts drawn, every grid decoded, the slider working.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainCommand } from '../src/commands/train.js';
import { CHROMIUM } from './support/chromium.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gankit-report-browser-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Short runs of two shipped presets, small enough for a test, with several sample grids. */
const runs = {
  'dcgan-fashion': [
    'training.steps=6',
    'output.sampleEvery=2',
    'output.evalSamples=200',
    'output.evalReference=bundled',
    'model.generatorWidth=8',
    'model.discriminatorWidth=8',
  ],
  'srgan-x4': ['training.steps=4', 'pretrainSteps=2', 'output.sampleEvery=2', 'data.hrSize=32'],
};

describe.skipIf(!CHROMIUM)('run reports in headless Chromium', () => {
  for (const [preset, set] of Object.entries(runs)) {
    it(`${preset}: report.html opens from disk with no errors and no requests, curves and grids shown`, async () => {
      const runDir = await trainCommand(
        { preset, out: path.join(tmp, preset), backend: 'cpu', threads: 1, set },
        () => {},
      );
      const file = path.join(runDir, 'report.html');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('request', (r) => {
          if (!r.url().startsWith('data:')) requests.push(r.url());
        });
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        // the page itself is the only request
        expect(requests).toEqual([pathToFileURL(file).href]);
        expect(errors).toEqual([]);
        // a chart per loss term, each with a drawn line
        const charts = await page.locator('svg').count();
        expect(charts).toBeGreaterThanOrEqual(2);
        expect(await page.locator('svg path').count()).toBeGreaterThan(charts);
        // every embedded grid decodes
        const images = await page.evaluate(() =>
          [...document.images].map((img) => ({ ok: img.complete && img.naturalWidth > 0 })),
        );
        expect(images.length).toBeGreaterThanOrEqual(3);
        expect(images.every((i) => i.ok)).toBe(true);
        // the slider shows one grid at a time, and moving it changes which
        const slider = page.locator('[data-slider] input');
        const visibleStep = () =>
          page.evaluate(() =>
            [...document.querySelectorAll<HTMLImageElement>('[data-slider] img')]
              .filter((img) => !img.hidden)
              .map((img) => img.dataset.step),
          );
        const before = await visibleStep();
        expect(before).toHaveLength(1);
        await slider.fill('0');
        const after = await visibleStep();
        expect(after).toHaveLength(1);
        expect(after).not.toEqual(before);
        await page.screenshot({ path: path.join(tmp, `${preset}.png`), fullPage: true });
      } finally {
        await browser.close();
      }
    }, 180_000);
  }
});
