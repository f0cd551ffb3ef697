import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lossLines, TINY_PNG, tempDir, writeFakeRun } from './internal/test-helpers.js';
import { buildRunReportHtml, writeRunReport } from './run-report.js';

let root: string;
beforeEach(async () => {
  root = await tempDir();
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const TINY_URI = `data:image/png;base64,${TINY_PNG.toString('base64')}`;
const count = (text: string, needle: string) => text.split(needle).length - 1;
/** The text content of the SVG charts (titles, axis labels, legends). */
const svgTexts = (html: string) => [...html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

/** Nothing that a browser would fetch: no http(s) sources, links, CSS urls or imports. */
function expectSelfContained(html: string) {
  expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
  expect(html).not.toContain('@import');
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/<script[^>]+src/i);
  for (const m of html.matchAll(/https?:\/\/[^\s"'<>]+/g)) {
    // only the SVG namespace declarations may name a URL
    expect(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']).toContain(m[0]);
  }
}

describe('buildRunReportHtml', () => {
  it('draws the loss terms, the monitor metrics, the end-of-run numbers, the grids, the config and the backend', async () => {
    const dir = await writeFakeRun(root, 'srgan-run', {
      config: {
        preset: 'srgan-x4',
        family: 'srgan',
        description: 'SRGAN x4',
        training: { steps: 40, batchSize: 16 },
      },
      metrics: lossLines(40, (s) => ({ g_content: 0.05 / s, g_adv: 0.8 })),
      monitor: [
        { step: 20, psnr: 25.5, fid: 90 },
        { step: 40, psnr: 27.25, fid: 80 },
      ],
      evaluation: {
        step: 40,
        imageMetrics: {
          fid: 76.4,
          kid: { mean: 5.5, std: 0.45 },
          provenance: { seed: 1, resolution: '28x28x1' },
        },
        eval: {
          preset: 'srgan-x4',
          scale: 4,
          rows: [
            {
              image: 'astronaut.png',
              size: [512, 512],
              bicubic: { psnr: 26, ssim: 0.8 },
              model: { psnr: 28.5, ssim: 0.85 },
            },
            {
              image: 'coffee.png',
              size: [600, 400],
              bicubic: { psnr: 27, ssim: 0.75 },
              model: { psnr: 28, ssim: 0.8 },
            },
          ],
        },
      },
      backend: { backend: 'wasm', simd: true, threads: 2 },
      sampleSteps: [10, 20, 30, 40],
      final: true,
    });
    const html = await buildRunReportHtml(dir);
    expectSelfContained(html);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<h1>srgan-x4</h1>');
    expect(html).toContain('<dd>40 of 40</dd>');
    expect(html).toContain('<dd>0.4s</dd>'); // wall time: last time_ms 400
    // a chart per loss term and per monitored metric, named in the SVG
    expect(count(html, '<svg')).toBe(6);
    const texts = svgTexts(html);
    for (const term of ['d_loss', 'g_loss', 'g_content', 'g_adv', 'psnr', 'fid'])
      expect(texts).toContain(term);
    // end-of-run numbers: nested numbers by path, the rows table with a mean and the gain
    expect(html).toContain('<code>imageMetrics.kid.mean</code>');
    expect(html).toContain('<code>imageMetrics.provenance.resolution</code></td><td>28x28x1');
    expect(html).toContain('<th>bicubic PSNR</th>');
    expect(html).toContain('<th>gain PSNR (dB)</th>');
    expect(html).toContain('<td>512×512</td>');
    expect(html).toContain('+2.500'); // astronaut gain 28.5 - 26
    expect(html).toContain('<strong><span class="num">+1.750</span></strong>'); // mean gain
    // a data: URI per step grid plus final.png, the slider on the last step
    expect(count(html, TINY_URI)).toBe(5);
    expect(html).toContain('<input type="range" min="0" max="3" value="3"');
    expect(html).toContain('<output>step 40</output>');
    expect(count(html, 'data-step="')).toBe(4);
    // the config as pretty JSON, the backend as a table
    expect(html).toContain('&quot;batchSize&quot;: 16');
    expect(html).toContain('<code>simd</code></td><td>true');
  });

  it('shows text from the files as text', async () => {
    const dir = await writeFakeRun(root, 'evil', {
      config: {
        preset: 'x<b>bold</b>',
        description: '<script>alert("pwned")</script> & more',
      },
      metrics: [{ step: 1, '<img src=x onerror=alert(1)>': 1 }],
      evaluation: { '<i>metric</i>': 1, note: '</table><script>x()</script>' },
    });
    const html = await buildRunReportHtml(dir);
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; more');
    expect(count(html, '<script')).toBe(1); // the page's own slider script
    expect(html).not.toContain('<b>bold</b>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<i>metric</i>');
    expect(html).toContain('<title>x&lt;b&gt;bold&lt;/b&gt; · gankit run report</title>');
  });

  it('draws a 15,000-step log with at most 500 points per curve, first and last step included', async () => {
    const dir = await writeFakeRun(root, 'long', { config: {}, metrics: lossLines(15_000) });
    const html = await buildRunReportHtml(dir, { smoothing: 0 });
    expect(html).toContain('15000 logged steps, averaged into 500 points');
    // one line path per chart: count its points
    const paths = [
      ...html.matchAll(
        /<path[^>]*\bd="(M[^"]*)"[^>]*role-line|<g class="mark-line role-mark[^"]*"[^>]*><path[^>]*d="([^"]*)"/g,
      ),
    ]
      .map((m) => (m[1] ?? m[2])!)
      .filter((d) => d.includes('L'));
    expect(paths).toHaveLength(2);
    for (const d of paths) {
      const points = d.match(/[ML]/g)!.length;
      expect(points).toBeLessThanOrEqual(500);
      expect(points).toBeGreaterThan(400);
    }
    expect(html.length).toBeLessThan(150_000);
  });

  it('mentions skipped and repeated lines instead of failing', async () => {
    const dir = await writeFakeRun(root, 'messy', {
      config: {},
      metrics: [
        { step: 1, d_loss: 1 },
        'not json',
        { step: 2, d_loss: 2 },
        { step: 2, d_loss: 3 },
        '{"step": 3, "d_lo',
      ],
      monitor: ['{"fid": 3}', { step: 2, fid: 100 }],
    });
    const html = await buildRunReportHtml(dir);
    expect(html).toContain('metrics.jsonl: 2 malformed lines skipped');
    expect(html).toContain('metrics.jsonl: 1 repeated step (resumed or rolled back)');
    expect(html).toContain('monitor.jsonl: 1 malformed line skipped');
  });

  it('keeps an evenly spaced 24 of many grids plus the last', async () => {
    const steps = Array.from({ length: 60 }, (_, i) => (i + 1) * 100);
    const dir = await writeFakeRun(root, 'many', { config: {}, sampleSteps: steps });
    const html = await buildRunReportHtml(dir);
    const shown = [...html.matchAll(/data-step="(\d+)"/g)].map((m) => Number(m[1]));
    expect(shown).toHaveLength(25);
    expect(shown[0]).toBe(100);
    expect(shown[24]).toBe(6000);
    expect(html).toContain('25 grids (25 of 60, evenly spaced)');
    expect(count(html, TINY_URI)).toBe(25);
  });

  it('reports a bare run (config.json only)', async () => {
    const dir = await writeFakeRun(root, 'bare', { config: { family: 'gan' } });
    const html = await buildRunReportHtml(dir);
    expect(html).toContain('<h1>bare</h1>');
    expect(html).toContain('No metrics.jsonl in this run.');
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('id="samples"');
  });

  it('fails naming the folder, and on options out of range', async () => {
    const missing = path.join(root, 'nope');
    await expect(buildRunReportHtml(missing)).rejects.toThrow(
      `buildRunReportHtml: run folder ${missing} does not exist`,
    );
    const dir = await writeFakeRun(root, 'ok', { config: {} });
    await expect(buildRunReportHtml(dir, { maxPoints: 2 })).rejects.toBeInstanceOf(GanError);
    await expect(buildRunReportHtml(dir, { smoothing: 1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('writeRunReport', () => {
  it('writes report.html in the run folder and leaves no temporary file', async () => {
    const dir = await writeFakeRun(root, 'w', { config: { preset: 'p' }, metrics: lossLines(5) });
    const file = await writeRunReport(dir);
    expect(file).toBe(path.join(path.resolve(dir), 'report.html'));
    expect(await fs.readFile(file, 'utf8')).toContain('<h1>p</h1>');
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'metrics.jsonl', 'report.html']);
  });

  it('writes where out says, creating the folder', async () => {
    const dir = await writeFakeRun(root, 'w2', { config: {} });
    const out = path.join(root, 'reports', 'nested', 'w2.html');
    expect(await writeRunReport(dir, { out })).toBe(out);
    expect((await fs.stat(out)).size).toBeGreaterThan(1000);
    await expect(fs.stat(path.join(dir, 'report.html'))).rejects.toThrow();
  });

  it('names itself in errors', async () => {
    await expect(writeRunReport(path.join(root, 'missing'))).rejects.toThrow(/^writeRunReport: run folder/);
  });
});
