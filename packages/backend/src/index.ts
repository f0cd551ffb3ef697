/**
 * Fast training for TensorFlow.js, useful without any GAN code: `setupBackend` picks the
 * fastest backend present and says why; training kernels for the wasm and cpu backends;
 * native CPU kernels through onnxruntime-node; wasm threads; WebGPU in Node through Dawn.
 * @packageDocumentation
 */

export type {
  TrainingKernelBackend,
  TrainingKernelInfo,
  TrainingKernelReport,
} from './kernels/index.js';
export {
  formatTrainingKernelReport,
  getOriginalKernel,
  listTrainingKernels,
  registerTrainingKernels,
  restoreOriginalKernels,
  TRAINING_GRADIENTS,
} from './kernels/index.js';
export type {
  NativeKernelBackend,
  NativeKernelOptions,
  NativeKernelReport,
  NativeKernelStatus,
} from './native/index.js';
export { disableNativeKernels, enableNativeKernels, nativeKernelStatus } from './native/index.js';
export { MALLOC_TUNING, mallocTuned } from './native/malloc.js';
export type { BackendChoice, BackendReport, SetupBackendOptions } from './setup.js';
export { BACKEND_CHOICES, BACKEND_PREFERENCE, formatBackendReport, setupBackend } from './setup.js';
export type { WasmThreadsOptions, WasmThreadsReport, WasmThreadsStatus } from './threads/index.js';
export { disposeWasmThreads, enableWasmThreads, wasmThreadsStatus } from './threads/index.js';
export type {
  AdapterInfoLike,
  DawnBackendType,
  WebgpuAdapterSummary,
  WebgpuOptions,
} from './webgpu/index.js';
export { DAWN_BACKENDS, softwareAdapterReason, webgpuAdapter } from './webgpu/index.js';
