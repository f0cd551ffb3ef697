import { GanError } from '@gankit/core';
import { blockProbeGraph } from './graphs.js';
import { encodeOnnxModel, type OnnxGraph } from './onnx-model.js';

/** A float32 tensor handed to or returned by onnxruntime. */
export interface NativeTensor {
  data: Float32Array;
  dims: readonly number[];
}

interface OrtTensorLike {
  data: unknown;
  dims: readonly number[];
}

interface BindingSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, unknown>,
    fetches: Record<string, unknown>,
    options: object,
  ): Record<string, OrtTensorLike>;
  dispose(): void;
}

interface CachedSession {
  session: BindingSession;
  /** The output's dimensions when the graph fixes them all (outputs can then be bound). */
  outDims: readonly number[] | undefined;
}

interface OrtModules {
  version: string;
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  binding: { InferenceSession: new () => BindingSession };
}

/**
 * Sessions kept at most (least recently used go first): each holds onnxruntime's buffers for
 * its shapes, and a run over images of many sizes (evaluation, tiled upscaling) would otherwise
 * keep one per layer and size. A DCGAN step uses five.
 */
export const MAX_SESSIONS = 64;

/**
 * onnxruntime-node's CPU kernels (MLAS) run synchronously, as tfjs kernels must: one cached
 * session per graph (op, shapes and attributes).
 */
export class NativeRuntime {
  private readonly sessions = new Map<string, CachedSession>();
  /** Non-shared copies of inputs that live in shared memory (threaded wasm), by size. */
  private readonly staging = new Map<string, Float32Array>();

  constructor(
    private readonly ort: OrtModules,
    /** Threads each session's kernels use. */
    readonly threads: number,
  ) {}

  /** onnxruntime-node's version. */
  get version(): string {
    return this.ort.version;
  }

  /** Kernel calls run so far. */
  runs = 0;

  /** Kernel calls run so far, by the kind of graph (`conv2d:nchwc`, `backpropFilter:gemm`, ...). */
  readonly runsByGraph: Record<string, number> = {};

  private block: number | undefined;

  /**
   * MLAS's NCHWc block size: 16 with AVX-512, 8 with AVX2, 0 where onnxruntime has no
   * blocked-layout kernels (ARM builds), in which case the convolutions use plain ONNX ops.
   */
  get nchwcBlock(): number {
    if (this.block === undefined) {
      let session: BindingSession | undefined;
      try {
        session = this.createSession(blockProbeGraph());
        const x = new this.ort.Tensor('float32', new Float32Array(4), [1, 1, 1, 4]);
        this.block = session.run({ x }, { y: null }, {}).y?.dims[1] ?? 0;
      } catch {
        this.block = 0;
      } finally {
        session?.dispose();
      }
    }
    return this.block;
  }

  /** How many graphs have a session. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Runs the graph cached under `key` (built by `build` on first use) on `feeds` and returns
   * its output `output`: written into `into` where that can be bound, else copied out of
   * onnxruntime's memory (the caller copies it on).
   */
  run(
    key: string,
    build: () => OnnxGraph,
    feeds: Record<string, NativeTensor>,
    output: string,
    kind?: string,
    into?: Float32Array,
  ): NativeTensor {
    let cached = this.sessions.get(key);
    if (cached !== undefined) {
      // most recently used last: the first entry is the one to evict
      this.sessions.delete(key);
      this.sessions.set(key, cached);
    } else {
      const graph = build();
      const dims = graph.outputs.find((o) => o.name === output)?.shape;
      cached = { session: this.createSession(graph), outDims: dims?.every((d) => d >= 0) ? dims : undefined };
      this.sessions.set(key, cached);
      if (this.sessions.size > MAX_SESSIONS) {
        const [oldest, evicted] = this.sessions.entries().next().value as [string, CachedSession];
        this.sessions.delete(oldest);
        evicted.session.dispose();
      }
    }
    const ortFeeds: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = new this.ort.Tensor('float32', this.unshared(name, t.data), t.dims);
    }
    // onnxruntime writes straight into `into` where it can be bound (not shared memory, and the
    // size the graph declares): that saves copying every result out of onnxruntime's buffer
    const { outDims } = cached;
    const bindable =
      into !== undefined &&
      !(into.buffer instanceof SharedArrayBuffer) &&
      outDims !== undefined &&
      outDims.reduce((a, b) => a * b, 1) === into.length;
    const fetch = bindable ? new this.ort.Tensor('float32', into, outDims) : null;
    const result = cached.session.run(ortFeeds, { [output]: fetch }, {})[output];
    this.runs++;
    if (kind !== undefined) this.runsByGraph[kind] = (this.runsByGraph[kind] ?? 0) + 1;
    if (bindable) return { data: into, dims: outDims };
    if (result === undefined || !(result.data instanceof Float32Array)) {
      throw new GanError(
        'BACKEND_UNAVAILABLE',
        `native kernels: onnxruntime returned no float32 '${output}'`,
      );
    }
    return { data: result.data, dims: result.dims };
  }

  private createSession(graph: OnnxGraph): BindingSession {
    const bytes = encodeOnnxModel(graph);
    const session = new this.ort.binding.InferenceSession();
    session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // no spinning: every session has its own thread pool (spinning pools made a DCGAN step
      // 4x slower), and between runs the backend's own kernels need the cores
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    return session;
  }

  // onnxruntime's binding refuses typed arrays over a SharedArrayBuffer (the threaded wasm
  // build's heap): those are copied into a reused plain buffer (a memcpy, ~0.3 ms per 3 MB).
  private unshared(name: string, data: Float32Array): Float32Array {
    if (!(data.buffer instanceof SharedArrayBuffer)) return data;
    const slot = `${name}:${data.length}`;
    let copy = this.staging.get(slot);
    if (copy === undefined) {
      copy = new Float32Array(data.length);
      this.staging.set(slot, copy);
    }
    copy.set(data);
    return copy;
  }

  /** Frees every session. */
  dispose(): void {
    for (const s of this.sessions.values()) s.session.dispose();
    this.sessions.clear();
    this.staging.clear();
  }
}

/**
 * Loads onnxruntime-node (an optional peer dependency).
 * @throws GanError `BACKEND_UNAVAILABLE` when it is not installed or does not load here
 */
export async function loadNativeRuntime(threads: number): Promise<NativeRuntime> {
  try {
    const main = (await import('onnxruntime-node')) as unknown as {
      Tensor: OrtModules['Tensor'];
      env: { versions?: { node?: string } };
      default?: { Tensor: OrtModules['Tensor'] };
    };
    // the binding's session runs synchronously; the public InferenceSession wraps it in a promise
    const bindingModule = (await import('onnxruntime-node/dist/binding.js')) as unknown as {
      binding?: OrtModules['binding'];
      initOrt?: () => void;
      default?: { binding: OrtModules['binding']; initOrt: () => void };
    };
    const binding = bindingModule.binding ?? bindingModule.default?.binding;
    const initOrt = bindingModule.initOrt ?? bindingModule.default?.initOrt;
    const Tensor = main.Tensor ?? main.default?.Tensor;
    if (!binding || !initOrt || !Tensor) throw new Error('unexpected module layout');
    initOrt();
    const version = main.env?.versions?.node ?? 'unknown';
    return new NativeRuntime({ version, Tensor, binding }, threads);
  } catch (e) {
    throw new GanError(
      'BACKEND_UNAVAILABLE',
      `native kernels: onnxruntime-node could not be loaded (npm install onnxruntime-node): ${(e as Error).message}`,
      { cause: e },
    );
  }
}
