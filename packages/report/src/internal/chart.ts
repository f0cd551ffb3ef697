// Line charts as SVG text: a Vega-Lite spec compiled to Vega and rendered headless in Node.
// vega is ESM with top-level await, so the CommonJS build cannot require() it: both libraries
// are loaded with import() on first use (which also spares importers that never draw a chart).

import type { TopLevelSpec } from 'vega-lite';
import type { Point } from './series.js';

/** One line (and optionally its smoothed version) of a chart. */
export interface ChartSeries {
  readonly label: string;
  readonly points: readonly Point[];
  readonly smoothed?: readonly Point[] | undefined;
  /** The line colour. Default: the palette colour of the series' position. */
  readonly color?: string | undefined;
}

/** What to draw. */
export interface LineChartSpec {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  /** A legend naming the series (for comparisons). */
  readonly legend: boolean;
  /** Dots on the points (sparse logs such as monitor.jsonl). */
  readonly markers?: boolean;
  readonly width?: number;
  readonly height?: number;
}

// Tableau 10: distinct, colour-blind friendly enough, the Vega default
const PALETTE = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];

type Libraries = [typeof import('vega'), typeof import('vega-lite')];
let libraries: Promise<Libraries> | undefined;
const load = () => {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  return libraries;
};

/** The palette colour for the `i`-th run, so a run keeps its colour across charts. */
export const seriesColor = (i: number): string => PALETTE[i % PALETTE.length]!;

let chartCount = 0;

/** The look every chart shares: white background, quiet grid and axes, left-aligned titles. */
export const CHART_CONFIG = {
  background: 'white',
  font: 'sans-serif',
  view: { stroke: '#dde2e6' },
  axis: { gridColor: '#eef0f2', domainColor: '#9aa4ad', tickColor: '#9aa4ad', labelColor: '#4a5560' },
  title: { anchor: 'start', fontSize: 13, fontWeight: 600, color: '#1d232a' },
} as const;

type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** The Vega-Lite spec of a line chart (data inline). */
export function lineChartSpec(chart: LineChartSpec): TopLevelSpec {
  const labels = chart.series.map((s) => s.label);
  const hasSmooth = chart.series.some((s) => s.smoothed && s.smoothed.length > 0);
  const values = chart.series.flatMap((s) => [
    ...s.points.map(([x, y]) => ({ s: s.label, k: 'raw', x, y })),
    ...(s.smoothed ?? []).map(([x, y]) => ({ s: s.label, k: 'smooth', x, y })),
  ]);
  const encoding = {
    x: { field: 'x', type: 'quantitative', title: 'step', axis: { tickCount: 6 } },
    y: { field: 'y', type: 'quantitative', title: null, scale: { zero: false }, axis: { tickCount: 5 } },
    color: {
      field: 's',
      type: 'nominal',
      scale: { domain: labels, range: chart.series.map((s, i) => s.color ?? seriesColor(i)) },
      legend: chart.legend ? { title: null, orient: 'bottom', labelLimit: 260, columns: 3 } : null,
    },
  } as const;
  const layers: Layer[] = [
    {
      transform: [{ filter: { field: 'k', equal: 'raw' } }],
      mark: {
        type: 'line',
        strokeWidth: hasSmooth ? 1 : 1.5,
        opacity: hasSmooth ? 0.3 : 1,
        ...(chart.markers ? { point: { size: 22 } } : {}),
      },
      encoding,
    },
  ];
  if (hasSmooth) {
    layers.push({
      transform: [{ filter: { field: 'k', equal: 'smooth' } }],
      mark: { type: 'line', strokeWidth: 1.75 },
      encoding,
    });
  }
  return {
    width: chart.width ?? 320,
    height: chart.height ?? 170,
    title: chart.title,
    data: { values },
    layer: layers,
    config: {
      ...CHART_CONFIG,
      legend: { labelFontSize: 11, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 },
    },
  };
}

// attributes that hold coordinates: three decimals are far below a pixel
const GEOMETRY = /\b(d|transform|x|y|x1|y1|x2|y2|width|height|points)="([^"]*)"/g;

/**
 * Renders a line chart to standalone SVG text (no external references). Ids are made unique
 * per chart, so several charts can share one page.
 */
export function lineChartSvg(chart: LineChartSpec): Promise<string> {
  return chartSvg(lineChartSpec(chart));
}

/**
 * Renders any Vega-Lite spec (data inline) to standalone SVG text (no external references),
 * coordinates rounded to three decimals. Ids are made unique per chart, so several charts can
 * share one page.
 */
export async function chartSvg(chart: TopLevelSpec): Promise<string> {
  const [vega, vl] = await load();
  const { spec } = vl.compile(chart);
  const view = new vega.View(vega.parse(spec), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    const prefix = `c${++chartCount}-`;
    return svg
      .replace(GEOMETRY, (_, name: string, value: string) => {
        return `${name}="${value.replace(/(\d+\.\d{3})\d+/g, '$1')}"`;
      })
      .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
      .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
  } finally {
    view.finalize();
  }
}
