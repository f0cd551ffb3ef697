/**
 * Using more than one core on CPU backends: the threaded-SIMD build of the tfjs wasm backend,
 * started in Node on node:worker_threads.
 * @packageDocumentation
 */
export type { WasmThreadsOptions, WasmThreadsReport, WasmThreadsStatus } from './wasm-threads.js';
export { disposeWasmThreads, enableWasmThreads, wasmThreadsStatus } from './wasm-threads.js';
