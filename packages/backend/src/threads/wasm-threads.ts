import { checkInteger, GanError } from '@gankit/core';
import * as tf from '@tensorflow/tfjs-core';

// The Node-only shim is loaded on first use, so importing this module stays browser-safe.
type Shim = typeof import('./worker-shim.js');
let shim: Shim | null = null;

function isNode(): boolean {
  return typeof process === 'object' && typeof process.versions?.node === 'string';
}

async function loadShim(): Promise<Shim> {
  shim ??= await import('./worker-shim.js');
  return shim;
}

/** XNNPACK's pool in tfjs-backend-wasm 4.22 is capped at 8 threads (8 pre-spawned workers). */
const MAX_WASM_THREADS = 8;
const WASM_PRIORITY = 2;

/**
 * Options of {@link enableWasmThreads}.
 * @category Backends
 */
export interface WasmThreadsOptions {
  /**
   * Threads for the wasm backend's XNNPACK pool, the calling thread included. Default:
   * `os.availableParallelism()`, at most 8 (tfjs' limit). 1 starts the ordinary
   * single-threaded build.
   */
  threads?: number;
  /**
   * When the wasm backend is already initialised, remove it and start it again (threaded).
   * Every tensor on it dies with it, so only set this before models are built. Default false:
   * report that it is too late instead.
   */
  restart?: boolean;
}

/**
 * What {@link wasmThreadsStatus} reports.
 * @category Backends
 */
export interface WasmThreadsStatus {
  /** True while a threaded backend started by {@link enableWasmThreads} is registered. */
  active: boolean;
  /** Worker threads alive (the main thread not counted). */
  workerThreads: number;
}

/**
 * What {@link enableWasmThreads} did and why.
 * @category Backends
 */
export interface WasmThreadsReport {
  /** True when the threaded-SIMD build runs with more than one thread. */
  enabled: boolean;
  /** Threads asked for (after the default and the cap of 8). */
  requested: number;
  /** Threads XNNPACK actually uses (tfjs' `getThreadsCount()`); 1 when single-threaded. */
  threads: number;
  /** Which wasm binary runs. */
  build: 'threaded-simd' | 'simd' | 'plain';
  /** One sentence on why threads are or are not in use. */
  reason: string;
  /** Extra lines worth printing beside the backend report. */
  details: string[];
}

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

async function loadWasmPackage(): Promise<WasmModule | string> {
  try {
    return await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return `@tensorflow/tfjs-backend-wasm is not installed (${String(e).split('\n')[0]})`;
  }
}

// The same probes as tfjs' own WASM_HAS_MULTITHREAD_SUPPORT flag, minus its "not in Node" rule.
function threadsSupported(): string | null {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is unavailable';
  try {
    const channel = new MessageChannel();
    try {
      channel.port1.postMessage(new SharedArrayBuffer(1));
    } finally {
      // an open port would keep the process alive
      channel.port1.close();
      channel.port2.close();
    }
    const atomicsProgram = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0,
      254, 16, 2, 0, 26, 11,
    ]);
    // (WebAssembly is a Node global, but not in the ES2022 lib this package compiles against)
    const wasmApi = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    if (!wasmApi?.validate(atomicsProgram)) return 'this runtime cannot run WebAssembly threads';
  } catch (e) {
    return `WebAssembly threads are unavailable (${String(e)})`;
  }
  return null;
}

function buildOf(simd: boolean, threaded: boolean): WasmThreadsReport['build'] {
  if (simd && threaded) return 'threaded-simd';
  return simd ? 'simd' : 'plain';
}

/** True while a threaded wasm backend started by {@link enableWasmThreads} is registered. */
let threadedActive = false;

/**
 * Starts the tfjs wasm backend with a multi-threaded XNNPACK pool in Node and makes it the
 * active backend.
 *
 * tfjs-backend-wasm ships a threaded-SIMD build but never uses it in Node: its
 * `WASM_HAS_MULTITHREAD_SUPPORT` flag is false there, it hands emscripten the worker script as
 * a blob: URL (node:worker_threads cannot load those), and it caps the pool at half of
 * `os.cpus().length`. This function sets the flag, gives emscripten a `Worker` built on
 * node:worker_threads for the duration of start-up, and lifts the core-count cap. Results are
 * bitwise identical to the single-threaded build (XNNPACK splits work by output tiles, never
 * inside a sum). On an idle 2-core machine, convolutions run about 1.7x faster and a DCGAN
 * training step about 1.3x (the rest of the step, tfjs' JavaScript and the kernels outside
 * XNNPACK, stays on one thread; see docs/benchmarks.md). Threads only pay when the cores are
 * free: XNNPACK waits for every thread at the end of each op, so with another busy process on
 * the machine a step was measured 1.4x slower than single-threaded.
 *
 * In a browser this does not patch anything: tfjs picks its threaded build itself where the
 * page is cross-origin isolated, and the report says what it chose.
 *
 * Call it instead of `tf.setBackend('wasm')`, before the wasm backend is first initialised
 * (any op run before picks a backend). When threads cannot help (1 thread asked for, no
 * SharedArrayBuffer, no SIMD, wasm already started) it starts or keeps the ordinary build and
 * says why. Training kernels registered for `'wasm'` apply to the threaded build unchanged.
 * Idle pthreads never keep the process alive; {@link disposeWasmThreads} stops them explicitly.
 *
 * @param options - the number of threads (default: available cores, at most 8)
 * @returns what runs now and why
 * @throws GanError `INVALID_ARGUMENT` when `threads` is not a positive integer;
 * `BACKEND_UNAVAILABLE` when the wasm backend cannot start at all
 * @example
 * ```ts
 * import { enableWasmThreads } from '@gankit/backend';
 * const report = await enableWasmThreads({ threads: 2 });
 * console.log(report.enabled, report.threads, report.reason);
 * ```
 * @category Backends
 */
export async function enableWasmThreads(options: WasmThreadsOptions = {}): Promise<WasmThreadsReport> {
  const fn = 'enableWasmThreads';
  const node = isNode();
  const cores = node
    ? (await import('node:os')).availableParallelism()
    : ((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
  const asked = checkInteger(fn, 'threads', options.threads ?? cores, 1);
  const requested = Math.min(asked, MAX_WASM_THREADS);
  const details: string[] = [];
  if (asked > MAX_WASM_THREADS)
    details.push(`threads capped at ${MAX_WASM_THREADS} (tfjs-backend-wasm's limit)`);

  const wasm = await loadWasmPackage();
  if (typeof wasm === 'string') throw backendUnavailable(fn, wasm);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');

  if (options.restart && tf.engine().registry.wasm !== undefined) await resetWasmBackend(wasm);
  // Already started: reinitialising would orphan every tensor on it, so report instead.
  if (tf.engine().registry.wasm !== undefined) {
    await activate(fn);
    const threads = Math.max(wasm.getThreadsCount(), 1);
    return {
      enabled: threads > 1,
      requested,
      threads,
      build: buildOf(Boolean(simd), threads > 1 || threadedActive),
      reason:
        threads > 1
          ? `the threaded wasm backend was already running with ${threads} threads`
          : 'the wasm backend was already initialised single-threaded; call enableWasmThreads before anything ' +
            'initialises it (tf.setBackend, tf.ready or a first op), or pass restart: true',
      details,
    };
  }

  if (!node) {
    // tfjs' own flag decides in a browser (threads need cross-origin isolation there)
    wasm.setThreadsCount(requested);
    await activate(fn);
    const threads = Math.max(wasm.getThreadsCount(), 1);
    return {
      enabled: threads > 1,
      requested,
      threads,
      build: buildOf(Boolean(simd), threads > 1),
      reason:
        threads > 1
          ? `tfjs started its threaded build with ${threads} threads`
          : 'not in Node: tfjs decides, and chose one thread (threads need a cross-origin isolated page)',
      details,
    };
  }

  let why: string | null = null;
  let files: import('./worker-shim.js').ThreadedBuildFiles | null = null;
  if (requested === 1) why = '1 thread requested';
  else if (!simd) why = 'the threaded wasm build needs WebAssembly SIMD, which this runtime lacks';
  else why = threadsSupported();
  const s = await loadShim();
  if (why === null) {
    const found = s.findThreadedBuild();
    if ('reason' in found) why = found.reason;
    else files = found.files;
  }

  if (files !== null) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(requested);
    const threadFiles = files;
    try {
      await s.withWorkerShim(threadFiles, () => s.withLogicalCores(2 * requested, () => activate(fn)));
    } catch (e) {
      // fall back to the single-threaded build below, and say why
      why = `the threaded build failed to start (${String(e).split('\n')[0]})`;
      await resetWasmBackend(wasm);
      files = null;
    }
  }
  if (files === null) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await activate(fn);
    return {
      enabled: false,
      requested,
      threads: 1,
      build: buildOf(Boolean(simd), false),
      reason: why ?? '',
      details,
    };
  }

  threadedActive = true;
  const threads = wasm.getThreadsCount();
  const { started } = s.countPthreadWorkers();
  details.push(
    `wasm threads: ${threads} (${started} worker thread${started === 1 ? '' : 's'} + the main thread)`,
  );
  // XNNPACK waits for every thread at the end of each op: a busy machine makes threads a loss
  const load = (await import('node:os')).loadavg()[0] ?? 0;
  if (load > cores - threads + 0.5) {
    details.push(
      `warning: load average ${load.toFixed(1)} on ${cores} cores; with other processes busy, ` +
        'threads can make training slower than one thread (threads: 1 turns them off)',
    );
  }
  return {
    enabled: threads > 1,
    requested,
    threads,
    build: 'threaded-simd',
    reason:
      threads > 1
        ? `threaded-SIMD wasm build running ${threads} XNNPACK threads on node:worker_threads`
        : `the threaded build started but XNNPACK reports ${threads} thread(s)`,
    details,
  };
}

async function activate(fn: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch (e) {
    throw backendUnavailable(fn, `the wasm backend failed to initialise: ${String(e)}`, e);
  }
  if (!ok) throw backendUnavailable(fn, 'the wasm backend failed to initialise');
}

function backendUnavailable(fn: string, reason: string, cause?: unknown): GanError {
  return new GanError('BACKEND_UNAVAILABLE', `${fn}: ${reason}`, cause === undefined ? {} : { cause });
}

// Removes the wasm backend instance and registers its factory again, so the next
// tf.setBackend('wasm') starts a fresh (single-threaded unless re-enabled) module.
async function resetWasmBackend(wasm: WasmModule): Promise<void> {
  const engine = tf.engine();
  const entry = engine.registryFactory.wasm;
  if (entry !== undefined) {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', entry.factory, entry.priority ?? WASM_PRIORITY);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(-1);
  threadedActive = false;
  await shim?.terminatePthreadWorkers();
}

/**
 * Stops the threaded wasm backend that {@link enableWasmThreads} started: removes the backend
 * instance (dispose its tensors first: they die with it), terminates its worker threads and
 * registers the wasm backend again, so a later `tf.setBackend('wasm')` starts the
 * single-threaded build and a later {@link enableWasmThreads} a fresh threaded one. If wasm was
 * the active backend, tfjs picks the best registered backend on the next op.
 *
 * @returns how many worker threads were stopped (0 when threads were not in use)
 * @example
 * ```ts
 * import { disposeWasmThreads, enableWasmThreads } from '@gankit/backend';
 * await enableWasmThreads({ threads: 2 });
 * // ... train ...
 * console.log(await disposeWasmThreads()); // 1
 * ```
 * @category Backends
 */
export async function disposeWasmThreads(): Promise<number> {
  const counts = shim?.countPthreadWorkers() ?? { pooled: 0, started: 0 };
  if (!threadedActive && counts.pooled === 0) return 0;
  const wasm = await loadWasmPackage();
  if (typeof wasm === 'string') await shim?.terminatePthreadWorkers();
  else await resetWasmBackend(wasm);
  return counts.started;
}

/**
 * Says whether the threaded wasm backend is running and how many worker threads it holds.
 * @returns whether threads started by {@link enableWasmThreads} are in use, and how many worker threads live
 * @example
 * ```ts
 * import { wasmThreadsStatus } from '@gankit/backend';
 * console.log(wasmThreadsStatus()); // { active: false, workerThreads: 0 }
 * ```
 * @category Backends
 */
export function wasmThreadsStatus(): WasmThreadsStatus {
  return { active: threadedActive, workerThreads: shim?.countPthreadWorkers().started ?? 0 };
}
