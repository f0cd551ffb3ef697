import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildComparisonHtml, writeComparison } from './comparison.js';
import { lossLines, TINY_PNG, tempDir, writeFakeRun } from './internal/test-helpers.js';

let root: string;
beforeEach(async () => {
  root = await tempDir();
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const TINY_URI = `data:image/png;base64,${TINY_PNG.toString('base64')}`;
const count = (text: string, needle: string) => text.split(needle).length - 1;
const svgTexts = (html: string) => [...html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const base = {
  preset: 'dcgan-fashion',
  family: 'dcgan',
  optimizer: { learningRate: 0.0007, beta1: 0.5 },
  training: { steps: 30, seed: 0 },
};

async function twoRuns() {
  const a = await writeFakeRun(root, 'lr-7e-4', {
    config: { ...base, emaDecay: 0.995 },
    metrics: lossLines(30),
    monitor: [
      { step: 15, fid: 120 },
      { step: 30, fid: 90 },
    ],
    evaluation: { step: 30, imageMetrics: { fid: 90.5, kid: { mean: 5 } } },
    sampleSteps: [15, 30],
    final: true,
  });
  const b = await writeFakeRun(root, 'lr-2e-4', {
    config: { ...base, optimizer: { learningRate: 0.0002, beta1: 0.5 }, training: { steps: 30, seed: 1 } },
    metrics: lossLines(20, () => ({ e_loss: 0.3 })),
    monitor: [{ step: 20, fid: 150 }],
    evaluation: { step: 20, imageMetrics: { fid: 150.25 } },
    sampleSteps: [10, 20],
  });
  return [a, b];
}

describe('buildComparisonHtml', () => {
  it('overlays the curves, tables the end-of-run numbers, shows the final grids and diffs the configs', async () => {
    const html = await buildComparisonHtml(await twoRuns());
    expect(html).not.toMatch(/(src|href)="http|url\(http|@import/);
    expect(html).toContain('<h1>Comparison of 2 runs</h1>');
    // one chart per loss term (union over runs) and per monitor metric, a legend naming the runs
    expect(count(html, '<svg')).toBe(4);
    const texts = svgTexts(html);
    for (const t of ['d_loss', 'g_loss', 'e_loss', 'fid']) expect(texts).toContain(t);
    expect(texts.filter((t) => t === 'lr-7e-4').length).toBe(3); // no e_loss
    expect(texts.filter((t) => t === 'lr-2e-4').length).toBe(4);
    // a run keeps its colour in a chart where the other run is missing
    const eLoss = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)]
      .map((m) => m[0])
      .find((s) => s.includes('>e_loss<'))!;
    expect(eLoss).toContain('stroke="#f58518"');
    expect(eLoss).not.toContain('stroke="#4c78a8"');
    // end of run: a column per run, a dash where a run lacks the number
    expect(html).toContain('<th>lr-7e-4</th><th>lr-2e-4</th>');
    expect(html).toMatch(
      /<code>imageMetrics\.fid<\/code><\/td><td><span class="num">90\.50<\/span><\/td><td><span class="num">150\.3<\/span>/,
    );
    expect(html).toMatch(
      /<code>imageMetrics\.kid\.mean<\/code><\/td><td><span class="num">5<\/span><\/td><td>—<\/td>/,
    );
    expect(html).toMatch(
      /<code>steps reached<\/code><\/td><td><span class="num">30<\/span><\/td><td><span class="num">20/,
    );
    // final.png of the first run, the last step grid of the second
    expect(count(html, TINY_URI)).toBe(2);
    expect(html).toContain('lr-7e-4 · final.png');
    expect(html).toContain('lr-2e-4 · step 20');
    // the config paths that differ, with each run's value, and nothing else
    const diff = html.slice(html.indexOf('<table class="diff">'));
    const diffPaths = [
      ...diff.slice(0, diff.indexOf('</table>')).matchAll(/<tr><td><code>([^<]+)<\/code>/g),
    ].map((m) => m[1]);
    expect(diffPaths).toEqual(['optimizer.learningRate', 'training.seed', 'emaDecay']);
    expect(diff).toContain('<td><code>optimizer.learningRate</code></td><td>7.000e-4</td><td>2.000e-4</td>');
    expect(diff).toContain(
      '<td><code>emaDecay</code></td><td>0.9950</td><td><span class="muted">—</span></td>',
    );
  });

  it('takes labels, and escapes them', async () => {
    const [a, b] = await twoRuns();
    const html = await buildComparisonHtml([a!, b!], { labels: ['<b>A</b>', 'B'], title: 'LR sweep' });
    expect(html).toContain('<h1>LR sweep</h1>');
    expect(html).not.toContain('<b>A</b>');
    expect(html).toContain('&lt;b&gt;A&lt;/b&gt;');
    await expect(buildComparisonHtml([a!, b!], { labels: ['one'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('says when the configs are identical and tells apart runs with the same folder name', async () => {
    const a = await writeFakeRun(path.join(root, 'seed-study'), 'run', { config: base });
    const b = await writeFakeRun(path.join(root, 'repeat'), 'run', { config: base });
    const html = await buildComparisonHtml([a, b]);
    expect(html).toContain('The configs are identical.');
    expect(html).toContain('<strong>seed-study/run</strong>');
    expect(html).toContain('<strong>repeat/run</strong>');
  });

  it('needs two runs that exist', async () => {
    const [a] = await twoRuns();
    await expect(buildComparisonHtml([a!])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'buildComparisonHtml: runDirs must list at least 2 run folders, got 1',
    });
    const missing = path.join(root, 'missing');
    await expect(buildComparisonHtml([a!, missing])).rejects.toThrow(
      `buildComparisonHtml: run folder ${missing} does not exist`,
    );
  });
});

describe('writeComparison', () => {
  it('writes the page where asked', async () => {
    const out = path.join(root, 'compare', 'lr.html');
    expect(await writeComparison(await twoRuns(), out)).toBe(out);
    expect(await fs.readFile(out, 'utf8')).toContain('Config differences');
    expect(await fs.readdir(path.dirname(out))).toEqual(['lr.html']);
  });
});
