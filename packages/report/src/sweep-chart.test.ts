import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GanError } from '@gankit/core';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSweepChart, sweepChartSpec } from './internal/sweep-spec.js';
import { tempDir } from './internal/test-helpers.js';
import {
  type SweepChartData,
  type SweepChartOptions,
  sweepChartHtml,
  sweepChartSvg,
  writeSweepChart,
} from './sweep-chart.js';

// 3 points, 3 metrics: fid on every point (two seeds, one seed on the last: no bar), hq on
// every point without seed values, kid on the middle point only
const SUMMARY: SweepChartData = {
  name: 'ring-lr',
  points: [
    {
      label: 'learningRate=0.0005',
      metrics: {
        fid: { mean: 12, std: Math.SQRT2 * 2, n: 2, values: [10, 14] },
        hq: { mean: 0.0148, std: 0.00057, n: 2 },
      },
    },
    {
      label: 'learningRate=0.002',
      metrics: {
        fid: { mean: 9, std: Math.SQRT1_2, n: 2, values: [8.5, 9.5] },
        hq: { mean: 0.0144, std: 0.0011, n: 2 },
        kid: { mean: 0.25, std: 0.05, n: 2, values: [0.2146, 0.2854] },
      },
    },
    {
      label: 'learningRate=0.008',
      metrics: {
        fid: { mean: 30, std: undefined, n: 1, values: [30] },
        hq: { mean: 0.0051, std: undefined, n: 1 },
      },
    },
  ],
};

/** The contents of each mark group whose class ends in `name`, in document order. */
function markGroups(svg: string, name: string): string[] {
  const re = new RegExp(
    `<g class="mark-(?:symbol|rule) role-mark (p\\d+)_${name}_marks"[^>]*>(.*?)</g>`,
    'g',
  );
  return [...svg.matchAll(re)].map((m) => m[2]!);
}
const count = (html: string, tag: string) => html.match(new RegExp(`<${tag}\\b`, 'g'))?.length ?? 0;
const translates = (html: string) =>
  [...html.matchAll(/transform="translate\(([-\d.]+),([-\d.]+)\)"/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);

/** The scene graph of the chart: each panel's marks by layer, and its y scale. */
async function scene(summary: SweepChartData, options: SweepChartOptions = {}) {
  const { spec } = vl.compile(sweepChartSpec(resolveSweepChart('test', summary, options)));
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  await view.runAsync();
  type Node = { marktype?: string; name?: string; items?: Node[]; x?: number; y?: number; y2?: number };
  const marks = new Map<string, Node[]>();
  const walk = (node: Node) => {
    if (node.name?.endsWith('_marks')) marks.set(node.name, node.items ?? []);
    for (const item of node.items ?? []) walk(item);
  };
  // the scene graph's root is there at run time, though vega's types leave it out
  walk((view.scenegraph() as unknown as { root: Node }).root);
  const items = (panel: number, layer: string) =>
    (marks.get(`p${panel}_${layer}_marks`) ?? []) as (Node & { datum: Record<string, number | string> })[];
  const y = (panel: number) => view.scale(`p${panel}_y`) as (v: number) => number;
  const x = (panel: number) => view.scale(`p${panel}_x`) as ((v: string) => number) & { bandwidth(): number };
  return { items, x, y, finalize: () => view.finalize() };
}

describe('sweepChartSvg', () => {
  it('draws one panel per metric, in the order first met, titled by the metric', async () => {
    const svg = await sweepChartSvg(SUMMARY);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/class="mark-group role-scope p\d+_group"/g)).toHaveLength(3);
    // each panel titled by its metric, in order; the chart's title (drawn after them)
    const titles = ['fid', 'hq', 'kid'].map((t) => svg.indexOf(`>${t}</text>`));
    expect(titles.every((at) => at > 0)).toBe(true);
    expect([...titles].sort((a, b) => a - b)).toEqual(titles);
    expect(svg).toContain('>sweep ring-lr</text>');
  });

  it('draws a mean and a ± std bar per point that has the metric, and a ring per seed value', async () => {
    const svg = await sweepChartSvg(SUMMARY);
    const means = markGroups(svg, 'means');
    const bars = markGroups(svg, 'bars');
    const seeds = markGroups(svg, 'seeds');
    // fid: 3 points, bars where n > 1, 2 + 2 + 1 seeds; hq: no seed values; kid: the middle point
    expect(means.map((g) => count(g, 'path'))).toEqual([3, 3, 1]);
    expect(bars.map((g) => count(g, 'line'))).toEqual([2, 2, 1]);
    expect(seeds.map((g) => count(g, 'path'))).toEqual([5, 0, 2]);
  });

  it('puts each mean, bar end and seed at the y of its input value, the points in input order', async () => {
    const svg = await sweepChartSvg(SUMMARY);
    const s = await scene(SUMMARY);
    try {
      const metrics = ['fid', 'hq', 'kid'];
      metrics.forEach((metric, panel) => {
        const y = s.y(panel);
        const x = s.x(panel);
        const cells = SUMMARY.points.flatMap((p) => {
          const m = p.metrics[metric];
          return m ? [{ label: p.label, ...m }] : [];
        });
        const means = s.items(panel, 'means');
        expect(means.map((i) => i.datum.point)).toEqual(cells.map((c) => c.label));
        means.forEach((item, k) => {
          const c = cells[k]!;
          expect(item.datum.mean).toBe(c.mean);
          expect(item.y).toBeCloseTo(y(c.mean), 9);
          expect(item.x).toBeCloseTo(x(c.label) + x.bandwidth() / 2, 9);
        });
        // left to right in the input's order (the x domain keeps it, whatever the labels sort to)
        const xs = means.map((i) => i.x!);
        expect([...xs].sort((a, b) => a - b)).toEqual(xs);
        const withStd = cells.filter((c) => c.std !== undefined);
        const bars = s.items(panel, 'bars');
        expect(bars).toHaveLength(withStd.length);
        bars.forEach((item, k) => {
          const c = withStd[k]!;
          expect(item.datum.point).toBe(c.label);
          expect(Math.max(item.y!, item.y2!)).toBeCloseTo(y(c.mean - c.std!), 9);
          expect(Math.min(item.y!, item.y2!)).toBeCloseTo(y(c.mean + c.std!), 9);
          expect(((item.datum.hi as number) - (item.datum.lo as number)) / 2).toBeCloseTo(c.std!, 12);
        });
        const values = cells.flatMap((c) => (c.values ?? []).map((v) => [c.label, v] as const));
        expect(s.items(panel, 'seeds').map((i) => [i.datum.point, i.datum.value])).toEqual(values);
        for (const item of s.items(panel, 'seeds'))
          expect(item.y).toBeCloseTo(y(item.datum.value as number), 9);
        // the SVG draws what the scene graph holds (coordinates rounded to 3 decimals)
        const drawn = translates(markGroups(svg, 'means')[panel]!);
        expect(drawn).toHaveLength(means.length);
        drawn.forEach(([dx, dy], k) => {
          expect(dx).toBeCloseTo(means[k]!.x!, 2);
          expect(dy).toBeCloseTo(means[k]!.y!, 2);
        });
      });
    } finally {
      s.finalize();
    }
  });

  it('draws only the metrics asked for, in their order, and no rings without seed values', async () => {
    const svg = await sweepChartSvg(SUMMARY, { metrics: ['hq'], title: 'hq only', xTitle: 'learningRate' });
    expect(svg.match(/role-scope p\d+_group/g)).toHaveLength(1);
    expect(count(markGroups(svg, 'seeds')[0]!, 'path')).toBe(0);
    expect(svg).toContain('>hq only</text>');
    expect(svg).toContain('>learningRate</text>');
    expect(svg).not.toContain('rings: each seed');
  });

  it('refuses input it cannot draw, saying what and where', async () => {
    const fails = (summary: SweepChartData, options: SweepChartOptions = {}) =>
      sweepChartSvg(summary, options).then(
        () => expect.unreachable(),
        (e: unknown) => {
          expect(e).toBeInstanceOf(GanError);
          return e as GanError;
        },
      );
    expect((await fails({ points: [] })).message).toBe(
      'sweepChartSvg: summary.points must hold at least one point, got none',
    );
    const twice = { points: [SUMMARY.points[0]!, SUMMARY.points[1]!, SUMMARY.points[0]!] };
    expect((await fails(twice)).message).toBe(
      "sweepChartSvg: summary.points[2].label 'learningRate=0.0005' repeats summary.points[0].label; labels must be unique",
    );
    const unknown = await fails(SUMMARY, { metrics: ['fid', 'is'] });
    expect(unknown.code).toBe('UNKNOWN_NAME');
    expect(unknown.message).toBe(
      "sweepChartSvg: options.metrics names 'is', which no point has; the points have: fid, hq, kid",
    );
    expect((await fails({ points: [{ label: 'base', metrics: {} }] })).message).toBe(
      'sweepChartSvg: the points have no metrics to draw',
    );
    expect((await fails(SUMMARY, { columns: 0 })).message).toBe(
      'sweepChartSvg: options.columns must be an integer >= 1, got 0',
    );
  });
});

describe('sweepChartHtml', () => {
  it('holds the title, the chart and the table of mean ± std, and loads nothing', async () => {
    const html = await sweepChartHtml(SUMMARY);
    expect(html).toContain('<title>sweep ring-lr · gankit sweep</title>');
    expect(html).toContain('<h1>sweep ring-lr</h1>');
    expect(count(html, 'svg')).toBe(1);
    expect(html.match(/role-scope p\d+_group/g)).toHaveLength(3);
    // the table: a row per point, a column per metric; the std to 2 significant digits
    const table = html.slice(html.indexOf('<table'), html.indexOf('</table>'));
    expect(table).toContain('<th>point</th><th>n</th><th>fid</th><th>hq</th><th>kid</th>');
    expect(count(table, 'tr')).toBe(4);
    expect(table).toContain('>12.0 ± 2.8</span>');
    expect(table).toContain('>0.01480 ± 0.00057</span>');
    expect(table).toContain('>30</span>');
    expect(table).toContain('title="seeds: 10, 14"');
    // a point without kid, and one whose hq has fewer seeds than the row: both visible
    expect(table).toMatch(
      /learningRate=0\.0005<\/td><td><span class="num">2<\/span><\/td>.*<span class="muted">–<\/span>/,
    );
    // nothing fetched: a policy that forbids it, and no reference to anywhere
    expect(html).toContain(`content="default-src 'none'; img-src data:;`);
    expect(html).not.toMatch(/<(script|img|link|iframe)\b[^>]*\b(src|href)="(?!data:)/);
    expect(html).not.toMatch(/url\(["']?(https?:|\/\/)|@import|xlink:href="http|<use [^>]*href="http/);
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
  });

  it('escapes labels, metric names and the title', async () => {
    const html = await sweepChartHtml(
      { points: [{ label: '<b>&"x"', metrics: { "a'<i>": { mean: 1, std: undefined, n: 1 } } }] },
      { title: '</title><script>alert(1)</script>' },
    );
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<i>');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;b&gt;&amp;&quot;x&quot;');
  });
});

describe('writeSweepChart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the SVG for .svg and the page for .html, creating the folder, leaving no temporary file', async () => {
    const svgFile = await writeSweepChart(SUMMARY, path.join(dir, 'plots', 'sweep.svg'));
    const htmlFile = await writeSweepChart(SUMMARY, path.join(dir, 'plots', 'sweep.HTML'));
    expect(svgFile).toBe(path.join(dir, 'plots', 'sweep.svg'));
    const svg = await fs.readFile(svgFile, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/role-scope p\d+_group/g)).toHaveLength(3);
    const html = await fs.readFile(htmlFile, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(await fs.readdir(path.join(dir, 'plots'))).toEqual(['sweep.HTML', 'sweep.svg']);
  });

  it('refuses another extension before drawing anything, and writes nothing', async () => {
    const file = path.join(dir, 'sweep.png');
    // the check comes first: even input that cannot be drawn gets the extension's message
    await expect(writeSweepChart({ points: [] }, file)).rejects.toThrow(
      `writeSweepChart: file must end in .svg or .html, got '${file}'`,
    );
    expect(existsSync(file)).toBe(false);
  });
});
