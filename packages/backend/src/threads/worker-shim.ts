import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Worker as NodeWorker } from 'node:worker_threads';

// The pieces of emscripten's pthread protocol this shim takes part in (emscripten 3.1,
// as compiled into tfjs-backend-wasm 4.22): the main thread creates a pool of workers, sends
// each {cmd:'load', urlOrBlob, wasmMemory, wasmModule} and waits for {cmd:'loaded'}; a
// pthread start is {cmd:'run', ...} to one pooled worker.
interface PthreadMessage {
  cmd?: string;
  urlOrBlob?: unknown;
  [key: string]: unknown;
}

/** Files of the threaded build that the shim needs, resolved from the installed package. */
export interface ThreadedBuildFiles {
  /** The emscripten glue that defines `WasmBackendModuleThreadedSimd` (loaded by each worker). */
  mainScript: string;
  /** Source of the pthread worker script (emscripten's `*.worker.js`). */
  workerSource: string;
}

// __filename under CJS builds and vitest, import.meta.url under plain ESM.
function localRequire(): NodeJS.Require {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
}

/**
 * Locates the threaded-SIMD glue and worker script inside `@tensorflow/tfjs-backend-wasm`.
 * @returns the files, or a reason why they cannot be used
 * @internal
 */
export function findThreadedBuild(): { files: ThreadedBuildFiles } | { reason: string } {
  try {
    const req = localRequire();
    const mainScript = req.resolve(
      '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
    );
    const workerModule = req(
      '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js',
    ) as {
      wasmWorkerContents?: unknown;
    };
    if (typeof workerModule.wasmWorkerContents !== 'string') {
      return { reason: 'the threaded worker script of @tensorflow/tfjs-backend-wasm has an unexpected form' };
    }
    // tfjs escapes real newlines the same way before running the script: they only occur
    // inside string literals, where a raw newline would be a syntax error
    return { files: { mainScript, workerSource: workerModule.wasmWorkerContents.replace(/\n/g, '\\n') } };
  } catch (e) {
    return {
      reason: `the threaded build of @tensorflow/tfjs-backend-wasm was not found (${String(e).split('\n')[0]})`,
    };
  }
}

/**
 * Runs before emscripten's worker script in each real thread: messages that arrive before the
 * module has loaded (a `run` posted right behind `load`) wait until the worker has reported
 * `loaded` and its loading code has returned to the event loop, then are handled in order.
 */
const WORKER_PRELUDE = `(() => {
  const port = require('node:worker_threads').parentPort;
  const on = port.on.bind(port);
  const post = port.postMessage.bind(port);
  let loaded = false;
  let flushing = false;
  let handler = null;
  const pending = [];
  port.on = (event, fn) => {
    if (event !== 'message') return on(event, fn);
    handler = fn;
    return on('message', (data) => {
      if (!loaded && !(data && data.cmd === 'load')) pending.push(data);
      else fn(data);
    });
  };
  port.postMessage = (msg, transfer) => {
    post(msg, transfer);
    if (!flushing && msg && msg.cmd === 'loaded') {
      flushing = true;
      setImmediate(() => {
        loaded = true;
        for (const data of pending.splice(0)) handler(data);
      });
    }
  };
})();
`;

/** Every shim worker alive in this process, so they can be counted and terminated. */
const liveWorkers = new Set<LazyPthreadWorker>();

/**
 * What emscripten sees as a `Worker`. It differs from a browser Worker in the ways Node needs:
 * - the script is emscripten's worker source run with `eval` (tfjs hands it over as a blob: URL,
 *   which node:worker_threads cannot load), and the main script is a file path instead of a Blob;
 * - emscripten pre-spawns a pool of 8 workers while XNNPACK uses threads - 1 of them; a pooled
 *   worker answers `load` itself and starts a real thread only when a pthread is run on it;
 * - the real thread is always unref'd: idle pthreads never keep the process alive.
 * @internal
 */
export class LazyPthreadWorker extends EventEmitter {
  /** emscripten assigns these; kept as plain properties. */
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;

  private real: NodeWorker | null = null;
  private loadMessage: PthreadMessage | null = null;

  constructor(
    private readonly files: ThreadedBuildFiles,
    _url?: unknown,
  ) {
    super();
    liveWorkers.add(this);
  }

  /** True once a real thread backs this worker. */
  get started(): boolean {
    return this.real !== null;
  }

  postMessage(message: unknown, transferList?: readonly unknown[]): void {
    const msg = message as PthreadMessage | null;
    if (msg?.cmd === 'load' && this.real === null) {
      // The threaded glue passes its own source as a Blob; workers read a file path instead.
      this.loadMessage =
        typeof msg.urlOrBlob === 'string' ? msg : { ...msg, urlOrBlob: this.files.mainScript };
      setImmediate(() => this.emit('message', { cmd: 'loaded' }));
      return;
    }
    if (this.real === null) this.start();
    // Posted at once: the main thread may block in pthread_create until this thread runs,
    // so nothing here may wait for the main event loop. The prelude orders load before run.
    this.real?.postMessage(message, transferList as never);
  }

  private start(): void {
    const real = new NodeWorker(WORKER_PRELUDE + this.files.workerSource, { eval: true });
    this.real = real;
    real.on('message', (data: PthreadMessage) => {
      // emscripten already counted this worker as loaded when the pool was built
      if (data?.cmd === 'loaded') return;
      this.emit('message', data);
    });
    real.on('error', (e) => this.emit('error', e));
    real.on('exit', (code) => {
      liveWorkers.delete(this);
      this.emit('exit', code);
    });
    // after the listeners: adding a 'message' listener refs the worker's port again
    real.unref();
    if (this.loadMessage) real.postMessage(this.loadMessage);
  }

  // emscripten refs a worker while a pthread runs on it; an idle pthread must not keep the
  // event loop alive, and the main thread never waits on the event loop for a kernel
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  async terminate(): Promise<number> {
    liveWorkers.delete(this);
    const real = this.real;
    this.real = null;
    return real ? real.terminate() : 0;
  }
}

/**
 * Counts the pthread workers of this process: created (pooled) and started (real threads).
 * @internal
 */
export function countPthreadWorkers(): { pooled: number; started: number } {
  let started = 0;
  for (const w of liveWorkers) if (w.started) started++;
  return { pooled: liveWorkers.size, started };
}

/**
 * Terminates every pthread worker the shim created.
 * @returns how many real threads were stopped
 * @internal
 */
export async function terminatePthreadWorkers(): Promise<number> {
  const all = [...liveWorkers];
  const started = all.filter((w) => w.started).length;
  await Promise.all(all.map((w) => w.terminate()));
  return started;
}

/**
 * Makes `globalThis.Worker` the shim while `body` runs. The threaded glue assigns
 * `global.Worker = require('worker_threads').Worker` on start-up; the accessor ignores that
 * assignment so the pool is built from shims, and the previous value comes back afterwards.
 * @internal
 */
export async function withWorkerShim<T>(files: ThreadedBuildFiles, body: () => Promise<T>): Promise<T> {
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const Shim = function ShimWorker(url: unknown) {
    return new LazyPthreadWorker(files, url);
  };
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => Shim,
    set: () => {},
  });
  try {
    return await body();
  } finally {
    if (previous) Object.defineProperty(globalThis, 'Worker', previous);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}

/**
 * Makes `os.cpus()` report at least `logicalCores` entries while `body` runs.
 *
 * tfjs-backend-wasm caps its thread pool at `emscripten_num_logical_cores() / 2` (it assumes
 * two hyperthreads per core), read once from `os.cpus().length` when the module starts. On a
 * 2-vCPU machine without SMT that cap is 1, so the threaded build would run one thread.
 * @internal
 */
export async function withLogicalCores<T>(logicalCores: number, body: () => Promise<T>): Promise<T> {
  const os = localRequire()('node:os') as { cpus: () => unknown[] };
  const original = os.cpus;
  os.cpus = () => {
    const real = original();
    const out = [...real];
    while (out.length < logicalCores) out.push(real[out.length % Math.max(real.length, 1)]);
    return out;
  };
  try {
    return await body();
  } finally {
    os.cpus = original;
  }
}
