/**
 * Training kernels for the tfjs `wasm` and `cpu` backends: what a GAN training step needs that
 * the backend lacks, and faster or corrected versions of what it does badly, registered per
 * backend with `tf.registerKernel` and built from the backend's own fast kernels (its
 * XNNPACK forward Conv2D, BatchMatMul, Transpose, AvgPool) or from JS loops over its memory.
 *
 * Measured on the 2-vCPU AMD EPYC build machine (Node 20, tfjs 4.22, wasm SIMD without
 * threads; best of 7 runs, machine shared with other jobs), before -> after registration:
 *
 * TIMINGS
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
