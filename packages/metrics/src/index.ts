/**
 * Evaluation metrics for GANs.
 * @packageDocumentation
 */
export type {
  ClassFidelity,
  ClassFidelityOptions,
  ImageClassifier,
} from './class-fidelity/class-fidelity.js';
export { classFidelity } from './class-fidelity/class-fidelity.js';
export type {
  ImageQualityOptions,
  ImageQualityScore,
  SsimOptions,
} from './image-quality/image-quality.js';
export { psnr, ssim } from './image-quality/image-quality.js';
export type { ModeCoverage, ModeCoverageOptions } from './mode-coverage/mode-coverage.js';
export { modeCoverage } from './mode-coverage/mode-coverage.js';
