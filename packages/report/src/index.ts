/**
 * Turns a gankit run folder into a self-contained HTML report (`report.html`): loss curves,
 * evaluations over training, end-of-run numbers, the sample grids, the config and the backend,
 * with charts drawn by Vega-Lite as inline SVG. Puts several runs side by side too, and draws a
 * sweep's mean ± std over seeds per point and metric. Reads files only: no TensorFlow.js.
 * @packageDocumentation
 */

export type { ComparisonOptions } from './comparison.js';
export { buildComparisonHtml, writeComparison } from './comparison.js';
export type { RunRecord, SampleFile, StepLog, StepRow } from './run-record.js';
export { parseStepLog, readRunRecord } from './run-record.js';
export type { RunReportOptions } from './run-report.js';
export { buildRunReportHtml, writeRunReport } from './run-report.js';
export type {
  SweepChartData,
  SweepChartMetric,
  SweepChartOptions,
  SweepChartPoint,
} from './sweep-chart.js';
export { sweepChartHtml, sweepChartSvg, writeSweepChart } from './sweep-chart.js';
