/**
 * Training kernels for the tfjs `wasm` and `cpu` backends: what a GAN training step needs that
 * the backend lacks, and faster or corrected versions of what it does slowly or wrongly,
 * registered per backend with `tf.registerKernel` and built from the backend's own fast
 * kernels (XNNPACK's forward Conv2D, BatchMatMul, Prelu, AvgPool; Transpose, Reshape) or from
 * JS loops over its memory. {@link listTrainingKernels} says what each one fixes.
 *
 * This module imports no Node built-ins: `@gankit/backend/kernels` serves it to browser bundles.
 * Per-kernel timings are in docs/benchmarks.md.
 *
 * @packageDocumentation
 */
export type { TrainingKernelBackend, TrainingKernelInfo, TrainingKernelReport } from './registry.js';
export {
  formatTrainingKernelReport,
  getOriginalKernel,
  listTrainingKernels,
  registerTrainingKernels,
  restoreOriginalKernels,
  TRAINING_GRADIENTS,
} from './registry.js';
