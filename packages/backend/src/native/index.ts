import { GanError } from '@gankit/core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelImpl } from '../kernels/kernel-scope.js';
import { checkBackendName, type TrainingKernelBackend } from '../kernels/registry.js';
import {
  createNativeBatchMatMul,
  createNativeConv2D,
  createNativeConv2DBackpropFilter,
  createNativeConv2DBackpropInput,
  createNativeFusedBatchNorm,
  createNativeFusedConv2D,
  createNativeFusedMatMul,
} from './kernels.js';
import { loadNativeRuntime, type NativeRuntime } from './runtime.js';

/**
 * The tfjs backends native kernels can be registered for.
 * @category Backends
 */
export type NativeKernelBackend = TrainingKernelBackend;

/**
 * Options of {@link enableNativeKernels}.
 * @category Backends
 */
export interface NativeKernelOptions {
  /** Threads onnxruntime uses per kernel; default: the available cores, at most 8. */
  threads?: number;
}

/**
 * What {@link enableNativeKernels} did.
 * @category Backends
 */
export interface NativeKernelReport {
  /** The backend whose kernels were replaced. */
  backend: NativeKernelBackend;
  /** onnxruntime-node's version. */
  version: string;
  /** Threads per kernel. */
  threads: number;
  /** The tfjs kernels now run natively (each falls back to the one it replaced for other layouts). */
  kernels: string[];
  /** False when they were already enabled, so this call changed nothing. */
  changed: boolean;
}

type Factory = (runtime: NativeRuntime, backendName: string, original: KernelImpl) => KernelImpl;

const NATIVE: ReadonlyArray<readonly [string, Factory]> = [
  ['Conv2D', createNativeConv2D],
  ['FusedConv2D', createNativeFusedConv2D],
  ['Conv2DBackpropInput', createNativeConv2DBackpropInput],
  ['Conv2DBackpropFilter', createNativeConv2DBackpropFilter],
  ['BatchMatMul', createNativeBatchMatMul],
  ['_FusedMatMul', createNativeFusedMatMul],
  ['FusedBatchNorm', createNativeFusedBatchNorm],
];

interface NativeState {
  runtime: NativeRuntime;
  replaced: Map<string, KernelConfig>;
  report: NativeKernelReport;
}

const STATE_KEY = Symbol.for('@gankit/core/native-kernels');

function states(): Map<NativeKernelBackend, NativeState> {
  const g = globalThis as { [STATE_KEY]?: Map<NativeKernelBackend, NativeState> };
  g[STATE_KEY] ??= new Map();
  return g[STATE_KEY];
}

/**
 * Runs the heavy kernels of a training step (Conv2D and FusedConv2D, Conv2DBackpropInput, which is also
 * conv2dTranspose's forward pass, Conv2DBackpropFilter, BatchMatMul, `_FusedMatMul` and
 * FusedBatchNorm) on onnxruntime-node's native CPU kernels (MLAS, with AVX2 / AVX-512 where
 * the CPU has them) instead of WebAssembly. Convolutions run on MLAS's blocked-layout direct
 * convolution (the input gradient as one stride-1 conv per output phase), the filter
 * gradient as im2col plus one SGEMM, and convs with few output channels through im2col of the
 * small side (SRResNet's last 9x9 conv: 45 ms for its three kernels against 185 ms as plain
 * ONNX Conv and ConvTranspose): on a 2-core AVX-512 machine the large DCGAN convolution
 * takes 2.4 ms there against 10.7 ms in XNNPACK's wasm build. onnxruntime-node is an optional
 * peer dependency (its npm package ships the binaries; nothing is downloaded at install).
 * Each kernel keeps the one it replaced for what it does not handle (NCHW layouts, other
 * dtypes, batched or small products, small tensors). Register gankit's training kernels
 * first ({@link registerTrainingKernels}); {@link disableNativeKernels} undoes this.
 *
 * @param backendName - `'wasm'` or `'cpu'`
 * @param options - threads per kernel
 * @returns the kernels now native, onnxruntime's version and the thread count
 * @throws GanError `INVALID_ARGUMENT` for another backend; `BACKEND_UNAVAILABLE` when
 *   onnxruntime-node is not installed or the backend's kernels are not registered
 * @example
 * ```ts
 * import { enableNativeKernels, registerTrainingKernels, setupBackend } from '@gankit/backend';
 * await setupBackend({ backend: 'wasm' });
 * registerTrainingKernels('wasm');
 * const report = await enableNativeKernels('wasm');
 * console.log(`onnxruntime ${report.version}: ${report.kernels.join(', ')}`);
 * ```
 * @category Backends
 */
export async function enableNativeKernels(
  backendName: NativeKernelBackend,
  options: NativeKernelOptions = {},
): Promise<NativeKernelReport> {
  const backend = checkBackendName('enableNativeKernels', backendName);
  const existing = states().get(backend);
  if (existing) return { ...existing.report, changed: false };
  const threads = options.threads ?? Math.min(8, (await import('node:os')).availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `enableNativeKernels: threads must be an integer >= 1, got ${threads}`,
    );
  }
  const plan = NATIVE.map(([name, create]) => ({
    name,
    create,
    original: tf.getKernel(name, backend) as KernelConfig | undefined,
  }));
  const missing = plan.filter((p) => p.original === undefined).map((p) => p.name);
  if (missing.length > 0) {
    throw new GanError(
      'BACKEND_UNAVAILABLE',
      `enableNativeKernels: the '${backend}' backend has no ${missing.join(', ')} kernel to fall back on; import '@tensorflow/tfjs-backend-${backend}' and call registerTrainingKernels('${backend}') first`,
    );
  }
  const runtime = await loadNativeRuntime(threads);
  const replaced = new Map<string, KernelConfig>();
  for (const { name, create, original } of plan) {
    if (original === undefined) continue; // checked above
    const config: KernelConfig = {
      kernelName: name,
      backendName: backend,
      kernelFunc: create(runtime, backend, original.kernelFunc as KernelImpl) as KernelConfig['kernelFunc'],
    };
    if (original.setupFunc) config.setupFunc = original.setupFunc;
    if (original.disposeFunc) config.disposeFunc = original.disposeFunc;
    tf.unregisterKernel(name, backend);
    tf.registerKernel(config);
    replaced.set(name, original);
  }
  const report: NativeKernelReport = {
    backend,
    version: runtime.version,
    threads,
    kernels: [...replaced.keys()],
    changed: true,
  };
  states().set(backend, { runtime, replaced, report });
  return report;
}

/**
 * Puts back the kernels {@link enableNativeKernels} replaced and frees onnxruntime's sessions.
 * A no-op when native kernels are not enabled for the backend.
 *
 * @param backendName - `'wasm'` or `'cpu'`
 * @returns the kernel names put back
 * @throws GanError `INVALID_ARGUMENT` for another backend name
 * @example
 * ```ts
 * import { disableNativeKernels } from '@gankit/backend';
 * disableNativeKernels('wasm'); // XNNPACK's convolutions again
 * ```
 * @category Backends
 */
export function disableNativeKernels(backendName: NativeKernelBackend): string[] {
  const backend = checkBackendName('disableNativeKernels', backendName);
  const state = states().get(backend);
  if (!state) return [];
  for (const [name, original] of state.replaced) {
    tf.unregisterKernel(name, backend);
    tf.registerKernel(original);
  }
  state.runtime.dispose();
  states().delete(backend);
  return [...state.replaced.keys()];
}

/**
 * What {@link nativeKernelStatus} reports: the enabling call's report and what ran since.
 * @category Backends
 */
export interface NativeKernelStatus extends NativeKernelReport {
  /** onnxruntime sessions held: one per convolution shape, at most 64. */
  sessions: number;
  /** Kernel calls run natively so far. */
  runs: number;
  /**
   * Those calls by formulation: `conv2d:nchwc`, `conv2d:nchwc-nchw` and `backpropInput:nchwc`
   * (MLAS's blocked-layout convolution), `conv2d:gemm` and `backpropFilter:gemm` (im2col and one
   * SGEMM), and for stride-1 convs with few output channels (an image's last layer)
   * `conv2d:col2im` (a product per tap, then Col2Im), `backpropInput:gemm` and
   * `backpropFilter:adjoint` (im2col of dy, whose channels are few); `conv2d:onnx` and
   * `backpropInput:onnx` (plain ONNX Conv / ConvTranspose, for what nothing above fits),
   * `matMul:gemm` (products, with bias and activation when fused), `batchNorm`.
   */
  graphs: Record<string, number>;
  /** MLAS's blocked-layout block size here: 16 with AVX-512, 8 with AVX2, 0 for none. */
  nchwcBlock: number;
}

/**
 * Whether native kernels are enabled for a backend, and how.
 *
 * @param backendName - `'wasm'` or `'cpu'`
 * @returns the report of the call that enabled them, with the sessions held and the calls run
 *   natively so far (by formulation); or undefined
 * @example
 * ```ts
 * import { nativeKernelStatus } from '@gankit/backend';
 * console.log(nativeKernelStatus('wasm')?.kernels ?? 'native kernels are off');
 * ```
 * @category Backends
 */
export function nativeKernelStatus(backendName: NativeKernelBackend): NativeKernelStatus | undefined {
  const state = states().get(checkBackendName('nativeKernelStatus', backendName));
  if (!state) return undefined;
  const { sessionCount: sessions, runs, runsByGraph, nchwcBlock } = state.runtime;
  return { ...state.report, changed: false, sessions, runs, graphs: { ...runsByGraph }, nchwcBlock };
}
