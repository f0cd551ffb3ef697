/**
 * Evaluation metrics for GANs.
 * @packageDocumentation
 */
export type { ModeCoverage, ModeCoverageOptions } from './mode-coverage/mode-coverage.js';
export { modeCoverage } from './mode-coverage/mode-coverage.js';
